package io.github.replicachequarkus.sync;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.github.replicachequarkus.testing.Instance;
import io.github.replicachequarkus.testing.TestSocket;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;

/**
 * The server keeps its promises through faults, with the packaged application on an embedded PostgreSQL of the test's
 * own: a machine killed with SIGKILL while 16 clients push, and the database restarted under load.
 * <p>
 * Each client pushes pairs of mutations as Replicache does, ids in order and resent until a pull confirms them: "delete
 * my todo k-1, create my todo k". However the faults fall, each client must end with exactly one todo, the one its
 * last confirmed mutation created: a mutation applied twice would bring a deleted todo back, one lost or half a push
 * applied would leave none or two.
 */
class CrashAndOutageIT {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int CLIENTS = 16;
    /** Counted for a push that got no answer because the machine was gone: connection refused, reset or closed. */
    private static final int NO_ANSWER = 0;
    /** Counted for a push that failed otherwise (a timeout, or no answer while the machine should be there). */
    private static final int FAILED = -1;

    private final List<AutoCloseable> resources = new ArrayList<>();
    private EmbeddedPostgres postgres;

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
    void aMachineKilledMidPushLosesNothingAcknowledgedAndAppliesNothingTwice() throws Exception {
        Path data = Files.createTempDirectory(Path.of("target"), "crash-pg");
        postgres = startPostgres(data, freePort());
        String space = "crash-" + UUID.randomUUID();
        List<Client> clients = clients(space);
        Instance first = instance("crash-1");

        try (Load load = new Load(clients, first.uri())) {
            load.awaitAcknowledged(CLIENTS * 5, Duration.ofSeconds(30));
            load.expectNoAnswers(); // from here on, pushes in flight or sent meanwhile may find the machine gone
            first.kill();
            load.close();
            assertEquals(Set.of(), load.unexpected(Set.of(200, NO_ANSWER)),
                    "until the kill only 200s, then only connections refused or reset; " + load);
        }
        for (Client client : clients) {
            assertTrue(client.acknowledged > 0, "every client got pushes through before the crash");
        }

        Instance second = instance("crash-2");
        for (Client client : clients) {
            long confirmed = client.pullConfirmed(second.uri());
            assertTrue(confirmed >= client.acknowledged, client.id + ": " + client.acknowledged
                    + " acknowledged before the crash, but the restarted server knows only " + confirmed);
            client.resendUnconfirmed(second.uri());
            assertEquals(200, client.pushNext(second.uri()), client.id + ": a push after the restart");
        }
        assertConverged(space, clients, second.uri());
    }

    @Test
    void aDatabaseRestartIsAnOutageOf503sAndReadinessAndEverythingRecovers() throws Exception {
        Path data = Files.createTempDirectory(Path.of("target"), "outage-pg");
        int port = freePort();
        postgres = startPostgres(data, port);
        String space = "outage-" + UUID.randomUUID();
        List<Client> clients = clients(space).subList(0, 4);
        Instance writer = instance("outage-writer");
        Instance listener = instance("outage-listener");
        TestSocket socket = TestSocket.open(listener.uri(), space);
        resources.add(socket);
        socket.hello("listener-" + UUID.randomUUID(), "listener-group", null);

        try (Load load = new Load(clients, writer.uri())) {
            load.awaitAcknowledged(20, Duration.ofSeconds(30));
            postgres.close();
            postgres = null;
            awaitReadiness(writer.uri(), 503, Duration.ofSeconds(30));
            long refusedBefore = load.unavailable();
            awaitCondition(() -> load.unavailable() > refusedBefore, Duration.ofSeconds(30), "pushes answered 503");

            postgres = startPostgres(data, port);
            awaitReadiness(writer.uri(), 200, Duration.ofSeconds(60));
            awaitReadiness(listener.uri(), 200, Duration.ofSeconds(60));
            long acknowledgedAfter = load.acknowledged() + 20;
            load.awaitAcknowledged(acknowledgedAfter, Duration.ofSeconds(60));
            load.close();
            assertEquals(Set.of(), load.unexpected(Set.of(200, 503)), "during the outage only 200 and 503; " + load);
        }
        for (Client client : clients) {
            assertTrue(client.pullConfirmed(writer.uri()) >= client.acknowledged, client.id + " lost an acknowledged push");
            client.resendUnconfirmed(writer.uri());
            assertEquals(200, client.pushNext(writer.uri()), client.id + ": a push after the outage");
        }
        assertConverged(space, clients, writer.uri());
        long version = version(space, writer.uri());
        long poked = 0;
        while (poked < version) { // each frame comes within 10 s, or next() fails the test
            JsonNode frame = socket.next();
            if ("poke".equals(frame.path("message").asText())) {
                poked = Math.max(poked, frame.get("cookie").asLong());
            }
        }
        assertEquals(version, poked, "the other machine's socket was poked up to the last version: its LISTEN reconnected");
    }

    /** Every client's last todo is there, and nothing else: each mutation applied exactly once. */
    private static void assertConverged(String space, List<Client> clients, URI server) throws Exception {
        Map<String, Long> confirmed = new TreeMap<>();
        Set<String> expected = new TreeSet<>();
        for (Client client : clients) {
            long last = client.pullConfirmed(server);
            assertEquals(client.sent, last, client.id + ": every mutation it sent is confirmed in the end");
            assertEquals(0, last % 2, "pushes are pairs: none was applied by half");
            confirmed.put(client.id, last);
            expected.add(client.todo(last / 2));
        }
        JsonNode pulled = pull(server, space, "checker-" + UUID.randomUUID(), null);
        Set<String> todos = new TreeSet<>();
        for (JsonNode op : pulled.get("patch")) {
            if ("put".equals(op.get("op").asText())) {
                todos.add(op.get("key").asText());
            }
        }
        assertEquals(expected, todos, "exactly the last todo of each client (confirmed ids " + confirmed + ")");
    }

    private List<Client> clients(String space) {
        List<Client> clients = new ArrayList<>();
        for (int i = 0; i < CLIENTS; i++) {
            clients.add(new Client(space, "client-" + i + "-" + UUID.randomUUID()));
        }
        return clients;
    }

    private Instance instance(String name) throws Exception {
        Instance instance = Instance.start(name,
                Map.of("quarkus.datasource.jdbc.url", postgres.getJdbcUrl("postgres", "postgres"),
                        "quarkus.datasource.username", "postgres", "quarkus.datasource.password", "postgres"),
                Map.of("REPLICACHE_AUTH_MODE", "open"));
        resources.add(instance);
        return instance;
    }

    private static EmbeddedPostgres startPostgres(Path data, int port) throws IOException {
        return EmbeddedPostgres.builder().setDataDirectory(data).setCleanDataDirectory(false).setPort(port)
                .setPGStartupWait(Duration.ofSeconds(60)).start();
    }

    /** One Replicache client: a group of its own, mutation ids in order, everything it sent kept until confirmed. */
    private static final class Client {
        private final String space;
        private final String id;
        private final String group = "group-" + UUID.randomUUID();
        private final HttpClient http = HttpClient.newHttpClient();
        /** The last mutation id sent, and the last one in a push answered 200. */
        private volatile long sent;
        private volatile long acknowledged;
        /** The body of the last push answered otherwise than 200. */
        private volatile String lastRefusal;

        Client(String space, String id) {
            this.space = space;
            this.id = id;
        }

        String todo(long k) {
            return id + "/todo-" + k;
        }

        /** Pushes the next pair, and returns the status it was answered with (a pair not acknowledged is resent). */
        int pushNext(URI server) throws Exception {
            long k = sent / 2 + 1;
            sent = 2 * k;
            return push(server, k);
        }

        /** Resends every pair after the last confirmed one, as Replicache does after a restart. */
        void resendUnconfirmed(URI server) throws Exception {
            long confirmed = pullConfirmed(server);
            for (long k = confirmed / 2 + 1; k <= sent / 2; k++) {
                assertEquals(200, push(server, k), "a resent push is accepted");
            }
        }

        private int push(URI server, long k) throws Exception {
            List<Map<String, Object>> mutations = List.of(
                    mutation(2 * k - 1, "deleteTodo", todo(k - 1)),
                    mutation(2 * k, "createTodo", Map.of("id", todo(k), "text", "todo " + k, "completed", false, "sort", k)));
            Map<String, Object> body = Map.of("pushVersion", 1, "clientGroupID", group, "mutations", mutations,
                    "profileID", "p", "schemaVersion", "");
            HttpResponse<String> response = http.send(
                    HttpRequest.newBuilder(server.resolve("api/replicache/push?spaceID=" + space))
                            .timeout(Duration.ofSeconds(30)).header("Content-Type", "application/json")
                            .POST(HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(body))).build(),
                    HttpResponse.BodyHandlers.ofString());
            if (response.statusCode() == 200) {
                assertEquals("{}", response.body(), "a push is answered {}");
                acknowledged = Math.max(acknowledged, 2 * k);
            } else {
                lastRefusal = response.body();
            }
            return response.statusCode();
        }

        private Map<String, Object> mutation(long mutationID, String name, Object args) {
            return Map.of("clientID", id, "id", mutationID, "name", name, "args", args, "timestamp", 1.0);
        }

        /** The last mutation id the server confirms for this client. */
        long pullConfirmed(URI server) throws Exception {
            JsonNode changes = pull(server, space, group, null).get("lastMutationIDChanges");
            return changes.path(id).asLong(0);
        }
    }

    /**
     * The clients pushing in a loop, each on its own thread, until closed; every push that is not answered 200 is
     * retried as Replicache would. Every outcome is counted: each status, {@link #NO_ANSWER} for a connection refused
     * or reset once {@link #expectNoAnswers()} was called, and {@link #FAILED} for any other failure to get an answer.
     */
    private static final class Load implements AutoCloseable {
        private final List<Client> clients;
        private final ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor();
        private final AtomicBoolean running = new AtomicBoolean(true);
        private final Map<Integer, Long> statuses = new ConcurrentHashMap<>();
        /** The first of each outcome other than 200, described. */
        private final Map<Integer, String> firsts = new ConcurrentHashMap<>();
        private final List<Future<?>> loops = new ArrayList<>();
        private volatile boolean noAnswersExpected;

        Load(List<Client> clients, URI server) {
            this.clients = clients;
            for (Client client : clients) {
                loops.add(threads.submit(() -> {
                    while (running.get()) {
                        int status;
                        String what;
                        try {
                            status = client.sent == client.acknowledged ? client.pushNext(server)
                                    : client.push(server, client.sent / 2);
                            what = client.lastRefusal;
                        } catch (HttpTimeoutException e) {
                            status = FAILED; // a machine that is gone resets its connections: nothing waits this long
                            what = e.toString();
                        } catch (IOException e) {
                            status = noAnswersExpected ? NO_ANSWER : FAILED;
                            what = e.toString();
                        }
                        statuses.merge(status, 1L, Long::sum);
                        if (status != 200) {
                            String described = what;
                            firsts.computeIfAbsent(status, s -> client.id + ": " + described);
                            Thread.sleep(50);
                        }
                    }
                    return null;
                }));
            }
        }

        /** From now on the machine may be gone: pushes may find their connection refused or reset. */
        void expectNoAnswers() {
            noAnswersExpected = true;
        }

        long acknowledged() {
            return clients.stream().mapToLong(client -> client.acknowledged / 2).sum();
        }

        long unavailable() {
            return statuses.getOrDefault(503, 0L);
        }

        /** The outcomes counted that are not among those expected. */
        Set<Integer> unexpected(Set<Integer> expected) {
            Set<Integer> unexpected = new TreeSet<>(statuses.keySet());
            unexpected.removeAll(expected);
            return unexpected;
        }

        void awaitAcknowledged(long pushes, Duration timeout) throws InterruptedException {
            awaitCondition(() -> acknowledged() >= pushes, timeout, pushes + " pushes acknowledged (" + this + ")");
        }

        @Override
        public String toString() {
            return "outcomes " + new TreeMap<>(statuses) + ", the first of each " + new TreeMap<>(firsts);
        }

        /** Stops the loops (once; closing again does nothing). */
        @Override
        public void close() throws Exception {
            if (!running.getAndSet(false)) {
                return;
            }
            for (Future<?> loop : loops) {
                loop.get();
            }
            threads.close();
        }
    }

    private static JsonNode pull(URI server, String space, String group, Object cookie) throws Exception {
        Map<String, Object> body = new HashMap<>();
        body.put("pullVersion", 1);
        body.put("clientGroupID", group);
        body.put("cookie", cookie);
        body.put("profileID", "p");
        body.put("schemaVersion", "");
        HttpResponse<String> response = HttpClient.newHttpClient().send(
                HttpRequest.newBuilder(server.resolve("api/replicache/pull?spaceID=" + space))
                        .header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(body))).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, response.statusCode(), response.body());
        return JSON.readTree(response.body());
    }

    private static long version(String space, URI server) throws Exception {
        return pull(server, space, "observer-" + UUID.randomUUID(), null).get("cookie").asLong();
    }

    private static void awaitReadiness(URI server, int status, Duration timeout) throws InterruptedException {
        HttpClient http = HttpClient.newHttpClient();
        awaitCondition(() -> {
            try {
                return http
                        .send(HttpRequest.newBuilder(server.resolve("q/health/ready")).timeout(Duration.ofSeconds(5)).build(),
                                HttpResponse.BodyHandlers.discarding())
                        .statusCode() == status;
            } catch (IOException e) {
                return false;
            }
        }, timeout, "readiness " + status);
    }

    @FunctionalInterface
    private interface Condition {
        boolean holds() throws Exception;
    }

    private static void awaitCondition(Condition condition, Duration timeout, String what) throws InterruptedException {
        Instant deadline = Instant.now().plus(timeout);
        while (Instant.now().isBefore(deadline)) {
            try {
                if (condition.holds()) {
                    return;
                }
            } catch (InterruptedException e) {
                throw e;
            } catch (Exception notYet) {
                // checked again
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
