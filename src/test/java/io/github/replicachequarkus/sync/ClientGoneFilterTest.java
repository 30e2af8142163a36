package io.github.replicachequarkus.sync;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.SocketException;
import java.nio.channels.ClosedChannelException;
import java.sql.SQLException;
import java.util.logging.Level;
import java.util.logging.LogRecord;

import org.junit.jupiter.api.Test;

class ClientGoneFilterTest {

    private final ClientGoneFilter filter = new ClientGoneFilter();

    private static LogRecord record(Level level, Throwable thrown) {
        LogRecord record = new LogRecord(level, "Exception in SSE server handling, impossible to send it to client");
        record.setThrown(thrown);
        return record;
    }

    @Test
    void aClientThatLeftIsKeptOffTheConsole() {
        assertFalse(filter.isLoggable(record(Level.SEVERE, new IOException("Connection reset by peer"))));
        assertFalse(filter.isLoggable(record(Level.SEVERE, new IllegalStateException(new IOException("Broken pipe")))));
        assertFalse(filter.isLoggable(record(Level.WARNING, new ClosedChannelException())));
        assertFalse(filter.isLoggable(record(Level.SEVERE, new RuntimeException(new IOException("Failed to write")))));
    }

    @Test
    void everythingElseIsLogged() {
        assertTrue(filter.isLoggable(record(Level.SEVERE, new IllegalStateException("a bug of ours"))));
        assertTrue(filter.isLoggable(record(Level.SEVERE, null)));
        assertTrue(filter.isLoggable(record(Level.INFO, new IOException("Connection reset by peer"))), "below warnings");
        assertTrue(filter.isLoggable(record(Level.SEVERE,
                new SQLException("An I/O error occurred while sending to the backend", "08006",
                        new SocketException("Connection reset")))),
                "the database's connection is ours to worry about");
    }
}
