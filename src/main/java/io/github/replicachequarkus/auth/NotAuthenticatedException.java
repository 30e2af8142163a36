package io.github.replicachequarkus.auth;

/** The credentials are missing, malformed or expired: HTTP 401, close code 4401. */
public class NotAuthenticatedException extends RuntimeException {

    public NotAuthenticatedException(String message) {
        super(message, null, false, false);
    }
}
