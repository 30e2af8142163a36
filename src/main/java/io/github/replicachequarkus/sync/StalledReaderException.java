package io.github.replicachequarkus.sync;

import java.io.IOException;

/**
 * A client that did not take any of its reply within the deadline, and was cut off. Like a client that hung up, it says
 * nothing about the server: it is logged at DEBUG, never as an error ({@link ClientGone}).
 */
public final class StalledReaderException extends IOException {

    public StalledReaderException(String message) {
        super(message);
    }
}
