package io.github.replicachequarkus.db;

import java.util.List;
import java.util.Map;
import java.util.OptionalInt;

import org.eclipse.microprofile.config.spi.ConfigSource;

import io.quarkus.runtime.ExecutionMode;
import io.smallrye.config.ConfigSourceContext;
import io.smallrye.config.ConfigSourceFactory;
import io.smallrye.config.ConfigValue;
import io.smallrye.config.PropertiesConfigSource;

/**
 * Works out where the database is, in this order:
 * <ol>
 * <li>{@code quarkus.datasource.jdbc.url} when it is set (in any config source): nothing to do;</li>
 * <li>{@code DATABASE_URL} in the {@code postgres://user:password@host:port/database} form that Fly sets;</li>
 * <li>in dev mode, an embedded PostgreSQL started on the spot (tests bring their own, see the test resources).</li>
 * </ol>
 * Otherwise the packaged application stops at start-up, saying so in one line (the build, which reads the same
 * configuration, carries on: it needs no database).
 */
public class DatabaseConfigSourceFactory implements ConfigSourceFactory {

    /** Below environment variables (300) and system properties (400), above application.properties (250). */
    static final int ORDINAL = 275;

    @Override
    public Iterable<ConfigSource> getConfigSources(ConfigSourceContext context) {
        if (isSet(context.getValue("quarkus.datasource.jdbc.url"))) {
            return List.of();
        }
        ConfigValue databaseUrl = context.getValue("DATABASE_URL");
        if (isSet(databaseUrl)) {
            try {
                Map<String, String> properties = DatabaseUrl.parse(databaseUrl.getValue()).datasourceProperties();
                return List.of(new PropertiesConfigSource(properties, "DATABASE_URL", ORDINAL));
            } catch (IllegalArgumentException e) {
                return refuseToStart(e.getMessage());
            }
        }
        if (context.getProfiles().contains("dev")) {
            return List.of(new PropertiesConfigSource(startDevDatabase(), "embedded PostgreSQL", ORDINAL));
        }
        if (!context.getProfiles().contains("test")) {
            return refuseToStart("No database configured: set DATABASE_URL=postgres://user:password@host:port/database"
                    + " (or quarkus.datasource.jdbc.url, .username and .password)");
        }
        return List.of();
    }

    /**
     * Stops the application with one line instead of the datasource's long failure further on. Only at run time: the
     * build reads this configuration too, and needs no database.
     */
    private static List<ConfigSource> refuseToStart(String reason) {
        if (ExecutionMode.current() != ExecutionMode.RUNTIME_INIT) {
            return List.of();
        }
        System.err.println("ERROR replicache-quarkus cannot start. " + reason);
        System.err.flush();
        // Nothing has started yet, so there is nothing to shut down; System.exit would wait for Quarkus's shutdown
        // hook, which waits for this very thread.
        Runtime.getRuntime().halt(1);
        return List.of();
    }

    @Override
    public OptionalInt getPriority() {
        return OptionalInt.of(ORDINAL);
    }

    private static Map<String, String> startDevDatabase() {
        try {
            DevDatabase database = (DevDatabase) Class.forName(DevDatabase.IMPLEMENTATION, true,
                    Thread.currentThread().getContextClassLoader()).getDeclaredConstructor().newInstance();
            return database.start();
        } catch (ReflectiveOperationException | LinkageError e) {
            throw new IllegalStateException(
                    "No database configured and the embedded PostgreSQL is not on the class path: set DATABASE_URL", e);
        }
    }

    private static boolean isSet(ConfigValue value) {
        return value != null && value.getValue() != null && !value.getValue().isBlank();
    }
}
