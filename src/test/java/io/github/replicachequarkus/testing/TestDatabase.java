package io.github.replicachequarkus.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;

import org.postgresql.Driver;

import io.github.replicachequarkus.db.DatabaseUrl;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;

/**
 * A database of its own for every test run: a new database on the server that {@code REPLICACHE_TEST_DATABASE_URL}
 * names ({@code postgres://user:password@host:port/db}, a user that may create databases), or else a throwaway
 * embedded PostgreSQL. Applies to every {@code @QuarkusTest} and {@code @QuarkusIntegrationTest}.
 */
@WithTestResource(value = TestDatabase.class, scope = TestResourceScope.GLOBAL)
public class TestDatabase implements QuarkusTestResourceLifecycleManager {

    private final boolean durable;
    private final String serverUrl;
    private EmbeddedPostgres embedded;
    private DatabaseUrl server;
    private String database;

    /** The tests' database: commits are not flushed to disk (fsync and synchronous_commit off), for speed. */
    public TestDatabase() {
        this(false);
    }

    /**
     * @param durable whether an embedded server flushes every commit to disk (fsync, synchronous_commit and
     *        full_page_writes on), as a production database does: what the benchmark measures against. A server
     *        named by {@code REPLICACHE_TEST_DATABASE_URL} keeps its own settings.
     */
    public TestDatabase(boolean durable) {
        this(durable, System.getenv("REPLICACHE_TEST_DATABASE_URL"));
    }

    /** @param serverUrl the server to create the database on, as {@code REPLICACHE_TEST_DATABASE_URL} gives it */
    TestDatabase(boolean durable, String serverUrl) {
        this.durable = durable;
        this.serverUrl = serverUrl;
    }

    @Override
    public Map<String, String> start() {
        String url = serverUrl;
        if (url == null || url.isBlank()) {
            try {
                EmbeddedPostgres.Builder builder = EmbeddedPostgres.builder().setPGStartupWait(Duration.ofSeconds(60));
                if (durable) {
                    builder.setServerConfig("fsync", "on").setServerConfig("synchronous_commit", "on")
                            .setServerConfig("full_page_writes", "on");
                }
                embedded = builder.start();
            } catch (IOException e) {
                throw new UncheckedIOException("Could not start the embedded PostgreSQL", e);
            }
            return Map.of("quarkus.datasource.jdbc.url", embedded.getJdbcUrl("postgres", "postgres"),
                    "quarkus.datasource.username", "postgres", "quarkus.datasource.password", "postgres");
        }
        server = DatabaseUrl.parse(url);
        database = "replicache_test_" + UUID.randomUUID().toString().replace("-", "");
        execute("CREATE DATABASE " + database);
        Map<String, String> properties = new HashMap<>(server.datasourceProperties());
        properties.put("quarkus.datasource.jdbc.url", server.jdbcUrl().replaceFirst("/[^/?]+(\\?|$)", "/" + database + "$1"));
        return properties;
    }

    @Override
    public void stop() {
        if (embedded != null) {
            try {
                embedded.close();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        if (database != null) {
            execute("DROP DATABASE IF EXISTS " + database + " WITH (FORCE)");
        }
    }

    /**
     * Runs a statement on the server's maintenance database. Through the driver itself, not {@code DriverManager}, which
     * finds no driver when the caller's class loader is not the one that loaded it (Maven's exec plugin, for the bench).
     */
    private void execute(String sql) {
        Properties credentials = new Properties();
        if (server.username() != null) {
            credentials.setProperty("user", server.username());
        }
        if (server.password() != null) {
            credentials.setProperty("password", server.password());
        }
        try (Connection connection = new Driver().connect(server.jdbcUrl(), credentials);
                Statement statement = connection.createStatement()) {
            statement.execute(sql);
        } catch (SQLException e) {
            throw new IllegalStateException("Could not run '" + sql + "' on " + server.jdbcUrl(), e);
        }
    }
}
