package io.github.replicachequarkus.store;

import java.sql.SQLException;

/** A statement run in plain JDBC failed; its cause says why, with its SQLSTATE (which tells races and outages apart). */
public final class StorageException extends RuntimeException {

    public StorageException(String message, SQLException cause) {
        super(message + ": " + cause.getMessage(), cause);
    }
}
