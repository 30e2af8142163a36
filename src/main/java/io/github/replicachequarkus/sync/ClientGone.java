package io.github.replicachequarkus.sync;

import java.io.IOException;
import java.nio.channels.ClosedChannelException;
import java.util.List;

import io.github.replicachequarkus.store.Faults;
import io.vertx.core.VertxException;

/**
 * Whether a failure only says that the client (or a proxy between) closed the connection while its request was read or
 * its answer written: a reset, a broken pipe, a closed channel, a reader that took nothing for too long. No fault of
 * the server's, and nothing to answer: worth a debug line, not an error with a stack trace.
 */
public final class ClientGone {

    /**
     * How the JDK, Netty and Vert.x say that the peer is gone: a write on a closed response fails with "Failed to write"
     * or "Stream is closed" (Quarkus's output stream), the socket with a reset or a broken pipe.
     */
    private static final List<String> MESSAGES = List.of("Connection reset", "Broken pipe", "Connection was closed",
            "Failed to write", "Stream is closed");

    private ClientGone() {
    }

    /**
     * The client going away caused the failure. A failure of the database's own connection never counts (it is
     * {@link Faults#isUnavailable}), though it is an {@link IOException} with the same words.
     */
    public static boolean caused(Throwable failure) {
        for (Throwable cause : Faults.causes(failure)) {
            if (Faults.isDatabaseFault(cause)) {
                return false;
            }
            if (cause instanceof ClosedChannelException || cause instanceof StalledReaderException) {
                return true;
            }
            String message = String.valueOf(cause.getMessage());
            if ((cause instanceof IOException || cause instanceof VertxException)
                    && MESSAGES.stream().anyMatch(message::contains)) {
                return true;
            }
        }
        return false;
    }
}
