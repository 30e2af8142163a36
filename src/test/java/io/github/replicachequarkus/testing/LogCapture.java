package io.github.replicachequarkus.testing;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import java.util.logging.SimpleFormatter;

import org.jboss.logmanager.ExtLogRecord;

/**
 * The log records of a category (and those below it) while it is open, as the application published them: for tests
 * of what the server logs. {@code try (LogCapture log = LogCapture.of("io.github.replicachequarkus.auth")) {...}}
 */
public final class LogCapture extends Handler implements AutoCloseable {

    private final Logger logger;
    private final List<LogRecord> records = new CopyOnWriteArrayList<>();

    private LogCapture(Logger logger) {
        this.logger = logger;
    }

    /** Starts capturing the category's records; {@code ""} captures every category's. */
    public static LogCapture of(String category) {
        Logger logger = Logger.getLogger(category);
        LogCapture capture = new LogCapture(logger);
        logger.addHandler(capture);
        return capture;
    }

    public List<LogRecord> records() {
        return List.copyOf(records);
    }

    /** The record's message with its parameters filled in, as a log line shows it (before the exception, if any). */
    public static String message(LogRecord record) {
        return record instanceof ExtLogRecord ext ? ext.getFormattedMessage() : new SimpleFormatter().formatMessage(record);
    }

    @Override
    public void publish(LogRecord record) {
        records.add(record);
    }

    @Override
    public void flush() {
    }

    @Override
    public void close() {
        logger.removeHandler(this);
    }
}
