package io.github.replicachequarkus.bench;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.postgresql.Driver;

import io.github.replicachequarkus.testing.Instance;
import io.github.replicachequarkus.testing.TestDatabase;

/**
 * The server under load: either the packaged application, which the harness starts on a fresh database (embedded
 * PostgreSQL, or the server {@code REPLICACHE_TEST_DATABASE_URL} names) and can look into, or any server at a URL.
 */
final class Target implements AutoCloseable {

    /** The port of the packaged application's management interface, which serves its metrics. */
    private static final int MANAGEMENT_PORT = 9000;

    private static final Pattern LOCAL_PORT = Pattern.compile("//(localhost|127\\.0\\.0\\.1):(\\d+)/");

    private final URI base;
    private final URI metrics;
    private final String token;
    private final OptionalLong pid;
    private final TestDatabase database;
    private final Map<String, String> datasource;
    private final Instance instance;
    private final String serverOptions;
    /** The webhook endpoint the server delivers to, when the harness started one ({@code bench.webhook=on}). */
    private WebhookReceiver webhook;

    private Target(URI base, URI metrics, String token, OptionalLong pid, TestDatabase database,
            Map<String, String> datasource, Instance instance, String serverOptions) {
        this.base = base;
        this.metrics = metrics;
        this.token = token;
        this.pid = pid;
        this.database = database;
        this.datasource = datasource;
        this.instance = instance;
        this.serverOptions = serverOptions;
    }

    /** The server at {@code bench.url}. */
    static Target connect(BenchOptions options) {
        URI metrics = options.metrics() != null ? options.metrics()
                : URI.create("http://" + options.url().getHost() + ":" + MANAGEMENT_PORT + "/q/metrics");
        return new Target(options.url(), metrics, options.token(), options.pid(), null, Map.of(), null, "");
    }

    /** Starts a database and the packaged application on it, in open auth mode. */
    static Target start(BenchOptions options) throws IOException, InterruptedException {
        if (!Files.exists(Path.of("target", "quarkus-app", "quarkus-run.jar"))) {
            throw new IllegalStateException("No packaged application: run ./mvnw package first, or pass -Dbench.url");
        }
        TestDatabase database = new TestDatabase(options.durableDatabase());
        Map<String, String> datasource = database.start();
        WebhookReceiver webhook = options.webhook() ? new WebhookReceiver() : null;
        try {
            Instance instance = launch("bench", datasource, options.serverOptions(),
                    webhook == null ? Map.of() : webhook.environment());
            Target target = new Target(instance.uri(), instance.managementUri().resolve("q/metrics"), options.token(),
                    OptionalLong.of(instance.pid()), database, datasource, instance, options.serverOptions());
            target.webhook = webhook;
            return target;
        } catch (IOException | InterruptedException | RuntimeException e) {
            database.stop();
            if (webhook != null) {
                webhook.close();
            }
            throw e;
        }
    }

    /** The webhook endpoint the server delivers every change to, if the harness started one. */
    java.util.Optional<WebhookReceiver> webhook() {
        return java.util.Optional.ofNullable(webhook);
    }

    /** Another instance of the packaged application on this target's database (the startup scenario's). */
    Instance launchAnother(String name) throws IOException, InterruptedException {
        return launchAnother(name, "");
    }

    /** Another instance, with JVM options added to the server's own ({@code bench.server.options}). */
    Instance launchAnother(String name, String jvmOptions) throws IOException, InterruptedException {
        if (!started()) {
            throw new IllegalStateException("only a server the harness started has a database to start another on");
        }
        return launch(name, datasource, (serverOptions + " " + jvmOptions).strip(),
                webhook == null ? Map.of() : webhook.environment());
    }

    private static Instance launch(String name, Map<String, String> datasource, String serverOptions,
            Map<String, String> extra) throws IOException, InterruptedException {
        Map<String, String> environment = new HashMap<>(extra);
        environment.put("REPLICACHE_AUTH_MODE", "open");
        // Every simulated client comes from the harness's one address; the per-address limit is for real clients.
        environment.put("REPLICACHE_ROOM_MAX_SOCKETS_PER_ADDRESS", "1000000");
        if (!serverOptions.isBlank()) {
            environment.put("JAVA_TOOL_OPTIONS", serverOptions);
        }
        return Instance.start(name, datasource, environment);
    }

    /** Whether the harness started this server (and so knows its process and database). */
    boolean started() {
        return instance != null;
    }

    URI base() {
        return base;
    }

    String token() {
        return token;
    }

    OptionalLong pid() {
        return pid;
    }

    /** The PostgreSQL the harness started the server on, when it runs on this machine. */
    OptionalLong databasePid() {
        Matcher port = LOCAL_PORT.matcher(datasource.getOrDefault("quarkus.datasource.jdbc.url", ""));
        return port.find() ? ProcessStats.postmaster(Integer.parseInt(port.group(2))) : OptionalLong.empty();
    }

    /** The server's resident memory in bytes, when its process is known and on this machine. */
    OptionalLong rss() {
        return pid.isPresent() ? ProcessStats.rss(pid.getAsLong()) : OptionalLong.empty();
    }

    /** Runs a full GC on the server ({@code jcmd <pid> GC.run}) when its process is known; else does nothing. */
    void collectGarbage() throws InterruptedException {
        if (pid.isEmpty()) {
            return;
        }
        try {
            Process gc = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "jcmd").toString(),
                    String.valueOf(pid.getAsLong()), "GC.run").redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            if (!gc.waitFor(60, TimeUnit.SECONDS)) {
                gc.destroyForcibly();
            }
        } catch (IOException e) {
            // no jcmd here: the caller measures without a GC first
        }
    }

    /** A request to a path under the base, with the token when there is one. */
    HttpRequest.Builder request(String path) {
        HttpRequest.Builder request = HttpRequest.newBuilder(base.resolve(path)).timeout(Duration.ofSeconds(60));
        if (token != null) {
            request.header("Authorization", "Bearer " + token);
        }
        return request;
    }

    /** The room of a space, as a WebSocket address. */
    URI room(String spaceID) {
        return URI.create(base.toString().replaceFirst("^http", "ws") + "api/replicache/websocket/" + spaceID);
    }

    /**
     * The heap the server uses, in bytes, summed over its heap pools as its Prometheus metrics say (on its management
     * interface); empty when it has no such metrics, or they cannot be reached.
     */
    OptionalLong heapUsed(HttpClient client) {
        try {
            HttpResponse<String> response = client.send(HttpRequest.newBuilder(metrics).timeout(Duration.ofSeconds(60)).build(),
                    HttpResponse.BodyHandlers.ofString());
            if (response.statusCode() != 200) {
                return OptionalLong.empty();
            }
            long sum = 0;
            boolean found = false;
            for (String line : response.body().split("\n")) {
                if (line.startsWith("jvm_memory_used_bytes{") && line.contains("area=\"heap\"")) {
                    sum += (long) Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
                    found = true;
                }
            }
            return found ? OptionalLong.of(sum) : OptionalLong.empty();
        } catch (IOException | RuntimeException e) {
            return OptionalLong.empty();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return OptionalLong.empty();
        }
    }

    /**
     * Transactions committed in the server's database so far (PostgreSQL's statistics, flushed about every second),
     * when the harness started it.
     */
    OptionalLong databaseCommits() {
        if (!started()) {
            return OptionalLong.empty();
        }
        try (Connection connection = connectToDatabase();
                Statement statement = connection.createStatement();
                ResultSet result = statement
                        .executeQuery("SELECT xact_commit FROM pg_stat_database WHERE datname = current_database()")) {
            return result.next() ? OptionalLong.of(result.getLong(1)) : OptionalLong.empty();
        } catch (SQLException e) {
            return OptionalLong.empty();
        }
    }

    /** What the report says about the database: its version and the settings that weigh on commits. */
    Map<String, Object> describeDatabase() {
        Map<String, Object> described = new LinkedHashMap<>();
        if (!started()) {
            described.put("database", "the target's own (unknown to the harness)");
            return described;
        }
        String url = datasource.get("quarkus.datasource.jdbc.url");
        described.put("database", System.getenv("REPLICACHE_TEST_DATABASE_URL") == null
                ? "embedded PostgreSQL (zonky), loopback"
                : "the server REPLICACHE_TEST_DATABASE_URL names");
        try (Connection connection = connectToDatabase(); Statement statement = connection.createStatement()) {
            for (String setting : new String[] { "server_version", "synchronous_commit", "fsync", "shared_buffers" }) {
                try (ResultSet result = statement.executeQuery("SHOW " + setting)) {
                    result.next();
                    described.put(setting, result.getString(1));
                }
            }
        } catch (SQLException e) {
            described.put("error", e.getMessage());
        }
        return described;
    }

    /**
     * A connection to the server's database, through the driver itself: {@code DriverManager} does not see drivers of
     * a class loader other than the caller's (Maven's exec plugin runs the harness in one of its own).
     */
    private Connection connectToDatabase() throws SQLException {
        Properties credentials = new Properties();
        credentials.setProperty("user", datasource.get("quarkus.datasource.username"));
        String password = datasource.get("quarkus.datasource.password");
        if (password != null) {
            credentials.setProperty("password", password);
        }
        return new Driver().connect(datasource.get("quarkus.datasource.jdbc.url"), credentials);
    }

    @Override
    public void close() throws InterruptedException {
        if (instance != null) {
            instance.close();
        }
        if (webhook != null) {
            webhook.close();
        }
        if (database != null) {
            database.stop();
        }
    }
}
