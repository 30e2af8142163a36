package io.github.replicachequarkus.webhook;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.github.replicachequarkus.testing.Instance;
import io.github.replicachequarkus.testing.WebhookReceiver;
import io.github.replicachequarkus.testing.WebhookReceiver.Received;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;

/**
 * Webhooks through a crash, with the packaged application on an embedded PostgreSQL of the test's own: a machine is
 * killed with SIGKILL while its deliveries are in flight (the receiver holds them unanswered), after changes were
 * committed while the receiver was down, and while a client pushes. Two machines then start on the same database.
 * Every change committed must reach the receiver, in order per space, none invented; a delivery may come twice, but
 * only with the same webhook-id and body.
 */
class WebhookCrashIT {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String SECRET = "whsec_Y3Jhc2ggdGVzdCBzaWduaW5nIGtleSwgMzIgYnl0ZXM=";

    private final List<AutoCloseable> resources = new ArrayList<>();
    private EmbeddedPostgres postgres;
    private WebhookReceiver receiver;

    @AfterEach
    void stopEverything() throws Exception {
        for (AutoCloseable resource : resources.reversed()) {
            resource.close();
        }
        if (postgres != null) {
            postgres.close();
        }
    }

    @Test
    void aMachineKilledBetweenCommitAndDeliveryLosesNoChange() throws Exception {
        Path data = Files.createTempDirectory(Path.of("target"), "webhook-pg");
        postgres = EmbeddedPostgres.builder().setDataDirectory(data).setPort(freePort())
                .setPGStartupWait(Duration.ofSeconds(60)).start();
        receiver = WebhookReceiver.start(0);
        resources.add(receiver);
        List<Writer> writers = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            writers.add(new Writer("crash-" + i + "-" + UUID.randomUUID()));
        }
        Instance first = instance("webhook-1");

        // Delivered as they come.
        for (Writer writer : writers) {
            writer.push(first.uri(), 3);
        }
        for (Writer writer : writers) {
            awaitDelivered(writer.space, writer.version(first.uri()), Duration.ofSeconds(30));
        }

        // Committed while the receiver is down: retried.
        receiver.down();
        for (Writer writer : writers) {
            writer.push(first.uri(), 3);
        }
        Thread.sleep(1000);

        // The receiver comes back but holds every request unanswered: deliveries in flight, more changes behind them.
        CountDownLatch release = new CountDownLatch(1);
        AtomicInteger held = new AtomicInteger();
        AtomicBoolean holding = new AtomicBoolean(true);
        receiver.answer(request -> {
            if (holding.get()) {
                held.incrementAndGet();
                release.await();
            }
            return 200;
        });
        receiver.up();
        awaitCondition(() -> held.get() >= writers.size(), Duration.ofSeconds(30), "a delivery of each space in flight");
        for (Writer writer : writers.subList(1, writers.size())) {
            writer.push(first.uri(), 3);
        }
        // One client keeps pushing through the kill: some of its pushes get no answer, and may or may not commit.
        Writer busy = writers.get(0);
        AtomicBoolean pushing = new AtomicBoolean(true);
        Future<?> background;
        try (ExecutorService thread = Executors.newSingleThreadExecutor()) {
            background = thread.submit(() -> {
                while (pushing.get()) {
                    busy.pushOnce(first.uri());
                }
                return null;
            });
            awaitCondition(() -> busy.acknowledged >= 9 + 5, Duration.ofSeconds(30), "pushes during the hold");
            first.kill();
            pushing.set(false);
            background.get();
        }
        holding.set(false);
        release.countDown(); // their connections are gone: the answers reach no one

        // Two machines on the same database, each with its dispatcher.
        Instance second = instance("webhook-2");
        Instance third = instance("webhook-3");
        busy.resendUnacknowledged(second.uri());
        for (Writer writer : writers) {
            writer.push(writers.indexOf(writer) % 2 == 0 ? second.uri() : third.uri(), 2);
        }
        for (Writer writer : writers) {
            awaitDelivered(writer.space, writer.version(second.uri()), Duration.ofSeconds(90));
        }

        assertEquals(List.of(), receiver.overlaps(), "two requests of one space in flight at once");
        for (Writer writer : writers) {
            assertEquals(List.of(), receiver.orderProblems("hook", writer.space), writer.space);
            List<Received> requests = receiver.received("hook", writer.space);
            assertTrue(requests.stream().allMatch(request -> request.signedWith(SECRET)), "every request is signed");
            Set<String> delivered = new TreeSet<>();
            receiver.delivered("hook", writer.space)
                    .forEach(delivery -> delivery.json().get("keys").forEach(key -> delivered.add(key.asText())));
            assertEquals(writer.todos(), delivered, writer.space + ": every todo created, and nothing else");
            assertEquals(writer.state(second.uri()), WebhookReceiver.applied(receiver.delivered("hook", writer.space)),
                    writer.space + ": the deliveries add up to the space's state");
        }
        Set<String> resent = new HashSet<>();
        Set<String> seen = new HashSet<>();
        receiver.received().stream().filter(Received::succeeded).forEach(request -> {
            if (!seen.add(request.id())) {
                resent.add(request.id());
            }
        });
        System.out.println("Webhook crash test: " + receiver.received().size() + " requests, " + resent.size()
                + " deliveries taken more than once (same id), " + held.get() + " held at the kill");
    }

    private void awaitDelivered(String space, long version, Duration timeout) throws Exception {
        awaitCondition(() -> receiver.deliveredUpTo("hook", space) >= version, timeout,
                space + " delivered up to version " + version + " (so far " + receiver.deliveredUpTo("hook", space)
                        + ")");
    }

    private Instance instance(String name) throws Exception {
        Map<String, String> properties = new HashMap<>();
        properties.put("quarkus.datasource.jdbc.url", postgres.getJdbcUrl("postgres", "postgres"));
        properties.put("quarkus.datasource.username", "postgres");
        properties.put("quarkus.datasource.password", "postgres");
        properties.put("replicache.webhooks.hook.url", receiver.url("hook").toString());
        properties.put("replicache.webhooks.hook.include-values", "true");
        properties.put("replicache.webhooks.hook.timeout", "2s");
        properties.put("replicache.webhooks.hook.batch-window", "100ms");
        properties.put("replicache.webhooks.hook.min-backoff", "200ms");
        properties.put("replicache.webhooks.hook.max-backoff", "1s");
        properties.put("replicache.webhooks.hook.poll-interval", "200ms");
        // The secret as an environment variable, as a deployment sets it.
        Instance instance = Instance.start(name, properties,
                Map.of("REPLICACHE_AUTH_MODE", "open", "REPLICACHE_WEBHOOKS_HOOK_SECRET", SECRET));
        resources.add(instance);
        return instance;
    }

    /** One client of one space creating todos, one push each, mutation ids in order. */
    private static final class Writer {
        private final String space;
        private final String client = "client-" + UUID.randomUUID();
        private final String group = "group-" + UUID.randomUUID();
        private final HttpClient http = HttpClient.newHttpClient();
        /** The last mutation id sent, and the last one in a push answered 200. */
        private volatile long sent;
        private volatile long acknowledged;

        Writer(String space) {
            this.space = space;
        }

        String todo(long k) {
            return space + "/todo-" + k;
        }

        /** The todos of every mutation sent: those acknowledged, and those that may have committed unanswered. */
        Set<String> todos() {
            Set<String> todos = new TreeSet<>();
            for (long k = 1; k <= sent; k++) {
                todos.add(todo(k));
            }
            return todos;
        }

        void push(URI server, int pushes) throws Exception {
            for (int i = 0; i < pushes; i++) {
                assertEquals(200, pushOnce(server), "a push is accepted");
            }
        }

        /** Pushes the next todo; the status, or 0 when there was no answer. */
        int pushOnce(URI server) throws Exception {
            long k = sent + 1;
            sent = k;
            return send(server, k);
        }

        /** Sends again what got no answer, as Replicache does: the server skips what it already applied. */
        void resendUnacknowledged(URI server) throws Exception {
            for (long k = acknowledged + 1; k <= sent; k++) {
                assertEquals(200, send(server, k), "a resent push is accepted");
            }
        }

        private int send(URI server, long k) throws Exception {
            Map<String, Object> mutation = Map.of("clientID", client, "id", k, "name", "createTodo", "args",
                    Map.of("id", todo(k), "text", "todo " + k, "completed", false, "sort", k), "timestamp", 1.0);
            Map<String, Object> body = Map.of("pushVersion", 1, "clientGroupID", group, "mutations", List.of(mutation),
                    "profileID", "p", "schemaVersion", "");
            try {
                HttpResponse<String> response = http.send(
                        HttpRequest.newBuilder(server.resolve("api/replicache/push?spaceID=" + space))
                                .timeout(Duration.ofSeconds(30)).header("Content-Type", "application/json")
                                .POST(HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(body))).build(),
                        HttpResponse.BodyHandlers.ofString());
                if (response.statusCode() == 200) {
                    acknowledged = Math.max(acknowledged, k);
                }
                return response.statusCode();
            } catch (IOException e) {
                return 0; // the machine is gone
            }
        }

        JsonNode pull(URI server) throws Exception {
            Map<String, Object> body = new HashMap<>();
            body.put("pullVersion", 1);
            body.put("clientGroupID", "observer-" + UUID.randomUUID());
            body.put("cookie", null);
            body.put("profileID", "p");
            body.put("schemaVersion", "");
            HttpResponse<String> response = http.send(
                    HttpRequest.newBuilder(server.resolve("api/replicache/pull?spaceID=" + space))
                            .header("Content-Type", "application/json")
                            .POST(HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(body))).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(200, response.statusCode(), response.body());
            return JSON.readTree(response.body());
        }

        long version(URI server) throws Exception {
            return pull(server).get("cookie").asLong();
        }

        Map<String, JsonNode> state(URI server) throws Exception {
            Map<String, JsonNode> state = new TreeMap<>();
            for (JsonNode op : pull(server).get("patch")) {
                if ("put".equals(op.get("op").asText())) {
                    state.put(op.get("key").asText(), op.get("value"));
                }
            }
            return state;
        }
    }

    @FunctionalInterface
    private interface Condition {
        boolean holds() throws Exception;
    }

    private static void awaitCondition(Condition condition, Duration timeout, String what) throws Exception {
        Instant deadline = Instant.now().plus(timeout);
        while (Instant.now().isBefore(deadline)) {
            if (condition.holds()) {
                return;
            }
            Thread.sleep(100);
        }
        throw new AssertionError("timed out waiting for: " + what);
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }
}
