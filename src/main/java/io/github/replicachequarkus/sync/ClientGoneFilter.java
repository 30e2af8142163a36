package io.github.replicachequarkus.sync;

import java.util.logging.Filter;
import java.util.logging.Level;
import java.util.logging.LogRecord;

import io.quarkus.logging.LoggingFilter;

/**
 * Keeps out of the console log the warnings and errors that only say a client went away: the stack traces that
 * Quarkus REST logs at ERROR when an event stream's client has hung up or reset before a poke is written to it
 * ({@code PublisherResponseHandler}: "impossible to send it to client"), and the like. Any client can cause them at
 * will, they say nothing about the server, and they would bury its real errors. See {@link ClientGone}.
 * <p>
 * Installed on the console with {@code quarkus.log.console.filter=client-gone}.
 */
@LoggingFilter(name = "client-gone")
public final class ClientGoneFilter implements Filter {

    @Override
    public boolean isLoggable(LogRecord record) {
        return record.getThrown() == null || record.getLevel().intValue() < Level.WARNING.intValue()
                || !ClientGone.caused(record.getThrown());
    }
}
