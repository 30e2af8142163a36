package io.github.replicachequarkus.bench;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;

/**
 * What to run, read from {@code bench.*} system properties (or a map, for tests). Sizes default to the targets of the
 * benchmark; a smoke run passes tiny ones.
 *
 * @param url the server to load; null: start the packaged application on a fresh embedded PostgreSQL
 * @param token a JWT for a token-mode server, sent as {@code Authorization: Bearer} and in every hello
 * @param pid the process id of the server at {@code url}, to read its memory; the harness knows it otherwise
 * @param metrics where the server at {@code url} serves its Prometheus metrics; null: {@code /q/metrics} on port 9000 of
 *        its host (the management interface, as packaged); the harness knows it for the server it starts
 * @param serverOptions JVM options for the server the harness starts ({@code JAVA_TOOL_OPTIONS}), e.g. {@code -Xmx256m}
 */
public record BenchOptions(URI url, String token, OptionalLong pid, URI metrics, List<String> scenarios, Duration duration,
        Duration warmup, int clients, int pushTodos, int fanoutSockets, int fanoutRate, int idleSockets, int idleRooms,
        int idleConcurrency, Duration idleSettle, int pullEntries, int pullBatch, int pullRepeats, int startupRuns, Path out,
        String serverOptions, int soakSockets, int soakRooms, int soakRate, Duration soakDuration, Duration soakSample,
        int presenceSockets, int presenceRate, int presencePushRate, boolean durableDatabase, boolean webhook,
        int reconnectSockets, int reconnectRooms, int reconnectBehind, Duration reconnectWindow, int reconnectStorms) {

    /** The scenarios run by default, in the order they run. */
    public static final List<String> ALL = List.of("push-hot", "push-spaces", "mutate-hot", "fanout", "presence", "idle",
            "reconnect", "pull-100k", "startup");

    /** Scenarios run only when asked for: the soak takes ten minutes. */
    public static final List<String> OPTIONAL = List.of("soak");

    /** The options that the JVM's system properties give. */
    public static BenchOptions fromSystemProperties() {
        Map<String, String> properties = new HashMap<>();
        System.getProperties().stringPropertyNames().stream().filter(name -> name.startsWith("bench."))
                .forEach(name -> properties.put(name, System.getProperty(name)));
        return of(properties);
    }

    /** The options that the given {@code bench.*} properties give; absent ones take their defaults. */
    public static BenchOptions of(Map<String, String> properties) {
        Map<String, String> given = new HashMap<>();
        properties.forEach((key, value) -> {
            if (value != null && !value.isBlank()) {
                given.put(key, value.strip());
            }
        });
        String url = given.get("bench.url");
        String pid = given.get("bench.pid");
        List<String> scenarios = Arrays.stream(given.getOrDefault("bench.scenarios", String.join(",", ALL)).split(","))
                .map(String::strip).filter(name -> !name.isEmpty()).toList();
        for (String scenario : scenarios) {
            if (!ALL.contains(scenario) && !OPTIONAL.contains(scenario)) {
                throw new IllegalArgumentException("bench.scenarios: unknown scenario '" + scenario + "'; known: " + ALL
                        + " and " + OPTIONAL);
            }
        }
        return new BenchOptions(
                url == null ? null : URI.create(url.endsWith("/") ? url : url + "/"),
                given.get("bench.token"),
                pid == null ? OptionalLong.empty() : OptionalLong.of(Long.parseLong(pid)),
                given.containsKey("bench.metrics") ? URI.create(given.get("bench.metrics")) : null,
                scenarios,
                positive(seconds(given, "bench.duration", "30"), "bench.duration"),
                seconds(given, "bench.warmup", "20"),
                number(given, "bench.clients", 16),
                number(given, "bench.push.todos", 1000),
                number(given, "bench.fanout.sockets", 1000),
                number(given, "bench.fanout.rate", 20),
                number(given, "bench.idle.sockets", 20_000),
                number(given, "bench.idle.rooms", 100),
                number(given, "bench.idle.concurrency", 100),
                seconds(given, "bench.idle.settle", "5"),
                number(given, "bench.pull.entries", 100_000),
                number(given, "bench.pull.batch", 1000),
                number(given, "bench.pull.repeats", 3),
                number(given, "bench.startup.runs", 3),
                Path.of(given.getOrDefault("bench.out", "target/bench")),
                given.getOrDefault("bench.server.options", ""),
                number(given, "bench.soak.sockets", 10_000),
                number(given, "bench.soak.rooms", 100),
                number(given, "bench.soak.rate", 20),
                positive(seconds(given, "bench.soak.duration", "600"), "bench.soak.duration"),
                seconds(given, "bench.soak.sample", "60"),
                number(given, "bench.presence.sockets", 200),
                number(given, "bench.presence.rate", 30),
                number(given, "bench.presence.push-rate", 10),
                durable(given.getOrDefault("bench.database", "durable")),
                onOff(given.getOrDefault("bench.webhook", "off"), "bench.webhook"),
                number(given, "bench.reconnect.sockets", 5000),
                number(given, "bench.reconnect.rooms", 1),
                number(given, "bench.reconnect.behind", 300),
                positive(seconds(given, "bench.reconnect.window", "1"), "bench.reconnect.window"),
                number(given, "bench.reconnect.storms", 2));
    }

    private static boolean onOff(String value, String key) {
        return switch (value) {
            case "on" -> true;
            case "off" -> false;
            default -> throw new IllegalArgumentException(key + " must be on or off, not " + value);
        };
    }

    /** {@code durable} (fsync and synchronous_commit on, as in production) or {@code fast} (both off, as the tests). */
    private static boolean durable(String database) {
        return switch (database) {
            case "durable" -> true;
            case "fast" -> false;
            default -> throw new IllegalArgumentException("bench.database must be durable or fast, not " + database);
        };
    }

    /** The options as the report shows them. */
    Map<String, Object> describe() {
        Map<String, Object> described = new LinkedHashMap<>();
        described.put("url", url == null ? "(started by the harness)" : url.toString());
        described.put("token", token == null ? "none" : "given");
        if (metrics != null) {
            described.put("metrics", metrics.toString());
        }
        described.put("scenarios", String.join(",", scenarios));
        described.put("duration", duration.toMillis() / 1000.0 + " s");
        described.put("warmup", warmup.toMillis() / 1000.0 + " s");
        described.put("clients", clients);
        described.put("push.todos", pushTodos);
        described.put("fanout.sockets", fanoutSockets);
        described.put("fanout.rate", fanoutRate + "/s");
        described.put("presence", presenceSockets + " sockets, " + presenceRate + " updates/s each, pushes at "
                + presencePushRate + "/s");
        described.put("idle.sockets", idleSockets);
        described.put("idle.rooms", idleRooms);
        described.put("idle.concurrency", idleConcurrency);
        described.put("reconnect", reconnectSockets + " sockets, " + reconnectRooms + " room(s), " + reconnectBehind
                + " changes behind, within " + reconnectWindow.toMillis() / 1000.0 + " s, " + reconnectStorms
                + " storm(s)");
        described.put("pull.entries", pullEntries);
        described.put("pull.batch", pullBatch);
        described.put("pull.repeats", pullRepeats);
        described.put("startup.runs", startupRuns);
        if (scenarios.contains("soak")) {
            described.put("soak", soakSockets + " sockets, " + soakRooms + " rooms, " + soakRate + " changes/s, "
                    + soakDuration.toSeconds() + " s, sampled every " + soakSample.toSeconds() + " s");
        }
        described.put("server.options", serverOptions.isEmpty() ? "(JVM defaults)" : serverOptions);
        described.put("database", durableDatabase ? "durable" : "fast");
        described.put("webhook", webhook ? "on (one endpoint in the harness, with values)" : "off");
        return described;
    }

    private static Duration positive(Duration duration, String key) {
        if (duration.isZero()) {
            throw new IllegalArgumentException(key + " must be more than 0");
        }
        return duration;
    }

    private static Duration seconds(Map<String, String> given, String key, String fallback) {
        double seconds = Double.parseDouble(given.getOrDefault(key, fallback));
        if (seconds < 0) {
            throw new IllegalArgumentException(key + " must not be negative");
        }
        return Duration.ofMillis(Math.round(seconds * 1000));
    }

    private static int number(Map<String, String> given, String key, int fallback) {
        int value = Integer.parseInt(given.getOrDefault(key, String.valueOf(fallback)).replace("_", ""));
        if (value < 1) {
            throw new IllegalArgumentException(key + " must be at least 1");
        }
        return value;
    }
}
