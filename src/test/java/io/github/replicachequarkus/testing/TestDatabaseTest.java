package io.github.replicachequarkus.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.lang.reflect.Constructor;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.net.MalformedURLException;
import java.net.URL;
import java.net.URLClassLoader;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Map;
import java.util.Properties;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.postgresql.Driver;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;

/**
 * The test database on a server named by URL, from a class loader that is not the one the JDBC driver registered from:
 * as under Maven's exec plugin, which runs the benchmark harness with the project's classes in a loader of its own.
 */
class TestDatabaseTest {

    private static EmbeddedPostgres server;

    @BeforeAll
    static void startServer() throws Exception {
        server = EmbeddedPostgres.start();
    }

    @AfterAll
    static void stopServer() throws Exception {
        server.close();
    }

    @Test
    void createsAndDropsItsDatabaseFromAClassLoaderOfItsOwn() throws Exception {
        String url = "postgres://postgres:postgres@127.0.0.1:" + server.getPort() + "/postgres";
        try (URLClassLoader probing = isolatedLoader()) {
            assertThrows(SQLException.class, () -> viaDriverManager(probing, server.getJdbcUrl("postgres", "postgres")),
                    "such a loader is the exec plugin's case: DriverManager finds no driver from it");
        }
        // a loader of its own: the probe's failed lookup loaded (and so registered) its loader's copy of the driver
        try (URLClassLoader isolated = isolatedLoader()) {
            Class<?> type = Class.forName(TestDatabase.class.getName(), true, isolated);
            Constructor<?> constructor = type.getDeclaredConstructor(boolean.class, String.class);
            constructor.setAccessible(true);
            Object database = constructor.newInstance(false, url);
            @SuppressWarnings("unchecked")
            Map<String, String> config = (Map<String, String>) type.getMethod("start").invoke(database);

            String jdbcUrl = config.get("quarkus.datasource.jdbc.url");
            String name = jdbcUrl.substring(jdbcUrl.lastIndexOf('/') + 1).replaceFirst("\\?.*", "");
            assertTrue(name.startsWith("replicache_test_"), jdbcUrl);
            assertTrue(exists(name), "the test's database was created");

            type.getMethod("stop").invoke(database);
            assertTrue(!exists(name), "and dropped");
        }
    }

    /** Whether the server has a database of that name (asked from this test's own loader). */
    private static boolean exists(String name) throws SQLException {
        Properties credentials = new Properties();
        credentials.setProperty("user", "postgres");
        credentials.setProperty("password", "postgres");
        try (Connection connection = new Driver().connect(server.getJdbcUrl("postgres", "postgres"), credentials);
                Statement statement = connection.createStatement();
                ResultSet rows = statement.executeQuery("SELECT count(*) FROM pg_database WHERE datname = '" + name + "'")) {
            rows.next();
            return rows.getInt(1) == 1;
        }
    }

    /** Connects through {@code DriverManager} from a class of the isolated loader, as the harness once did. */
    private static void viaDriverManager(ClassLoader loader, String jdbcUrl) throws Exception {
        Method connect = Class.forName(Probe.class.getName(), true, loader).getMethod("connect", String.class);
        try {
            connect.invoke(null, jdbcUrl);
        } catch (InvocationTargetException e) {
            throw (Exception) e.getCause();
        }
    }

    /** The test's class path in a loader whose parent is the platform's: its classes are copies of their own. */
    private static URLClassLoader isolatedLoader() throws MalformedURLException {
        String[] entries = System.getProperty("java.class.path").split(File.pathSeparator);
        URL[] urls = new URL[entries.length];
        for (int i = 0; i < entries.length; i++) {
            urls[i] = new File(entries[i]).toURI().toURL();
        }
        return new URLClassLoader(urls, ClassLoader.getPlatformClassLoader());
    }

    /** Calls {@code DriverManager} as a class of whichever loader loaded it: the caller DriverManager checks. */
    public static final class Probe {

        private Probe() {
        }

        public static void connect(String jdbcUrl) throws SQLException {
            Properties credentials = new Properties();
            credentials.setProperty("user", "postgres");
            credentials.setProperty("password", "postgres");
            try (Connection connection = DriverManager.getConnection(jdbcUrl, credentials)) {
                assertEquals(false, connection.isClosed());
            }
        }
    }
}
