package io.github.replicachequarkus.sync;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import io.github.replicachequarkus.testing.TestDatabase;

/** The packaged application refuses to start without a usable database or auth key, and says why. */
class PackagedStartupIT {

    @ParameterizedTest
    @CsvSource(delimiter = '|', textBlock = """
            ''                        | No database configured: set DATABASE_URL=postgres://
            mysql://u:secret@h/db     | DATABASE_URL must start with postgres:// or postgresql://
            postgres://u:secret@h     | DATABASE_URL has no database name
            """)
    void refusesToStartWithoutADatabase(String databaseUrl, String reason) throws Exception {
        Path jar = Path.of("target", "quarkus-app", "quarkus-run.jar");
        assertTrue(Files.exists(jar), "package the application first");
        ProcessBuilder builder = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-jar", jar.toString()).redirectErrorStream(true);
        Map<String, String> environment = builder.environment();
        environment.keySet().removeIf(name -> name.startsWith("QUARKUS_") || name.equals("DATABASE_URL"));
        if (!databaseUrl.isEmpty()) {
            environment.put("DATABASE_URL", databaseUrl);
        }
        Process application = builder.start();
        assertTrue(application.waitFor(60, TimeUnit.SECONDS), "the application should stop by itself");
        List<String> output = new String(application.getInputStream().readAllBytes(), StandardCharsets.UTF_8).lines()
                .filter(line -> !line.isBlank()).toList();

        assertEquals(1, application.exitValue());
        assertEquals(1, output.size(), "one line: " + output);
        assertTrue(output.get(0).contains(reason), output.get(0));
        assertTrue(!output.get(0).contains("secret"), "never the password: " + output.get(0));
    }

    /** Token auth is the packaged default: without a key (or with one too short for HS256) it does not start. */
    @ParameterizedTest
    @CsvSource(delimiter = '|', textBlock = """
            ''         | token mode needs REPLICACHE_AUTH_SECRET
            too-short  | REPLICACHE_AUTH_SECRET is 9 bytes; HS256 needs at least 32
            """)
    void refusesToStartInTokenModeWithoutAKey(String secret, String reason) throws Exception {
        TestDatabase database = new TestDatabase();
        Map<String, String> datasource = database.start();
        try {
            List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString()));
            datasource.forEach((key, value) -> command.add("-D" + key + "=" + value));
            command.addAll(List.of("-Dquarkus.http.port=0", "-Dquarkus.management.port=0", "-jar",
                    Path.of("target", "quarkus-app", "quarkus-run.jar").toString()));
            ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
            builder.environment().keySet().removeIf(name -> name.startsWith("REPLICACHE_") || name.startsWith("FLY_"));
            if (!secret.isEmpty()) {
                builder.environment().put("REPLICACHE_AUTH_SECRET", secret);
            }
            Process application = builder.start();
            assertTrue(application.waitFor(60, TimeUnit.SECONDS), "the application should stop by itself");
            List<String> output = new String(application.getInputStream().readAllBytes(), StandardCharsets.UTF_8).lines()
                    .filter(line -> !line.isBlank()).toList();

            assertEquals(1, application.exitValue(), String.join("\n", output));
            assertTrue(output.get(output.size() - 1).contains(reason), "the last line says why: " + output);
            assertNothingStarted(output);
        } finally {
            database.stop();
        }
    }

    /** With routing on, a replay secret too short to be safe stops the start as a missing one does. */
    @ParameterizedTest
    @CsvSource(delimiter = '|', textBlock = """
            ''                              | REPLICACHE_ROUTING_REPLAY_SECRET) must be set when routing is on
            a secret of 31 bytes, too short | REPLICACHE_ROUTING_REPLAY_SECRET) is 31 bytes; it must be at least 32
            """)
    void refusesToStartWithAShortReplaySecret(String secret, String reason) throws Exception {
        TestDatabase database = new TestDatabase();
        Map<String, String> datasource = database.start();
        try {
            List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString()));
            datasource.forEach((key, value) -> command.add("-D" + key + "=" + value));
            command.addAll(List.of("-Dquarkus.http.port=0", "-Dquarkus.management.port=0", "-jar",
                    Path.of("target", "quarkus-app", "quarkus-run.jar").toString()));
            ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
            builder.environment().keySet().removeIf(name -> name.startsWith("REPLICACHE_") || name.startsWith("FLY_"));
            builder.environment().putAll(Map.of("REPLICACHE_AUTH_MODE", "open", "FLY_MACHINE_ID", "m-startup"));
            if (!secret.isEmpty()) {
                builder.environment().put("REPLICACHE_ROUTING_REPLAY_SECRET", secret);
            }
            Process application = builder.start();
            boolean stopped = application.waitFor(60, TimeUnit.SECONDS);
            if (!stopped) {
                application.destroyForcibly(); // it started, as it should not have: end it before failing
            }
            assertTrue(stopped, "the application should stop by itself");
            List<String> output = new String(application.getInputStream().readAllBytes(), StandardCharsets.UTF_8).lines()
                    .filter(line -> !line.isBlank()).toList();

            assertEquals(1, application.exitValue(), String.join("\n", output));
            assertTrue(output.stream().anyMatch(line -> line.contains(reason)), "the output says why: " + output);
            assertTrue(output.stream().noneMatch(line -> !secret.isEmpty() && line.contains(secret)),
                    "never the secret: " + output);
            assertNothingStarted(output);
        } finally {
            database.stop();
        }
    }

    /**
     * The checks run before any work starts: a refused start began no relay (whose threads would go on using the
     * database pool while the application is torn down, and print their failures after the reason).
     */
    private static void assertNothingStarted(List<String> output) {
        assertTrue(output.stream().noneMatch(line -> line.contains("Relay: this machine is")),
                "the relay started before the start was refused: " + output);
        assertTrue(output.stream().noneMatch(line -> line.startsWith("Exception in thread")),
                "a thread failed: " + output);
    }
}
