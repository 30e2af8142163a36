package io.github.replicachequarkus.sync;

/**
 * This machine has as much work queued as it takes: the request is refused at once (503 with {@code Retry-After}, or
 * an error frame on a socket) rather than queued behind work that would take too long.
 */
public class BusyException extends RuntimeException {

    public BusyException(String message) {
        super(message, null, false, false);
    }
}
