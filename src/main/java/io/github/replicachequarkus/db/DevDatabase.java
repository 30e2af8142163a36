package io.github.replicachequarkus.db;

import java.util.Map;

/**
 * A database started by the application itself when none is configured, in dev mode only. The implementation lives
 * in a class of its own that is looked up by name, because its library (embedded PostgreSQL) is a provided-scope
 * dependency: on the dev-mode and test class paths, never in the packaged or native application.
 */
public interface DevDatabase {

    String IMPLEMENTATION = "io.github.replicachequarkus.db.EmbeddedDatabase";

    /** Starts the database (or returns the one already running) and gives the Quarkus datasource properties. */
    Map<String, String> start();
}
