package io.github.replicachequarkus.auth;

/** Valid credentials without the right needed in the space: HTTP 403, close code 4403. */
public class ForbiddenException extends RuntimeException {

    public ForbiddenException(String message) {
        super(message, null, false, false);
    }
}
