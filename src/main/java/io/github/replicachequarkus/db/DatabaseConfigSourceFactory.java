package io.github.replicachequarkus.db;

import java.util.List;
import java.util.Map;
import java.util.OptionalInt;

import org.eclipse.microprofile.config.spi.ConfigSource;

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
 * Otherwise nothing is configured, and the application stops at start-up saying so.
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
            Map<String, String> properties = DatabaseUrl.parse(databaseUrl.getValue()).datasourceProperties();
            return List.of(new PropertiesConfigSource(properties, "DATABASE_URL", ORDINAL));
        }
        if (context.getProfiles().contains("dev")) {
            return List.of(new PropertiesConfigSource(startDevDatabase(), "embedded PostgreSQL", ORDINAL));
        }
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
