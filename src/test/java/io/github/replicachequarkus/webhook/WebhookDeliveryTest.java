package io.github.replicachequarkus.webhook;

import static io.github.replicachequarkus.testing.Protocol.client;
import static io.github.replicachequarkus.testing.Protocol.mutation;
import static io.github.replicachequarkus.testing.Protocol.pushOk;
import static io.github.replicachequarkus.testing.Protocol.space;
import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.logging.Level;

import jakarta.inject.Inject;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.agroal.api.AgroalDataSource;
import io.github.replicachequarkus.testing.LogCapture;
import io.github.replicachequarkus.testing.Protocol;
import io.github.replicachequarkus.testing.SharedPort;
import io.github.replicachequarkus.testing.WebhookReceiver;
import io.github.replicachequarkus.testing.WebhookReceiver.Received;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;

/**
 * Webhooks end to end: pushes over the HTTP API, a receiver of the test's own on a local port with two endpoints,
 * {@code main} (values included, a batch window of 1 s, a long horizon) and {@code keys} (keys only, no window, a
 * horizon of 1.5 s), both with small backoffs and a fast poll.
 */
@QuarkusTest
@TestProfile(WebhookDeliveryTest.Endpoints.class)
class WebhookDeliveryTest {

    static final String MAIN_SECRET = "whsec_3q2+7wABAgMEBQYHCAkKCwwNDg8QERITFBUWFxgZGhs=";
    static final String KEYS_SECRET = "whsec_c2Vjb25kIGVuZHBvaW50J3Mga2V5LCAzMiBieXRlcyE=";
    static final Duration MAIN_WINDOW = Duration.ofSeconds(1);
    private static final ObjectMapper JSON = new ObjectMapper();

    /**
     * The receiver's port, chosen once per JVM: the profile is read where Quarkus starts, the receiver started where
     * the test runs, and a system property is what both see.
     */
    static int port() {
        return SharedPort.of("replicache.test.webhook-port");
    }

    public static class Endpoints implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            String base = "http://localhost:" + port() + "/";
            Map<String, String> config = new HashMap<>();
            config.put("replicache.webhooks.main.url", base + "main");
            config.put("replicache.webhooks.main.secret", MAIN_SECRET);
            config.put("replicache.webhooks.main.include-values", "true");
            config.put("replicache.webhooks.main.batch-window", MAIN_WINDOW.toMillis() + "ms");
            config.put("replicache.webhooks.main.min-backoff", "100ms");
            config.put("replicache.webhooks.main.max-backoff", "400ms");
            config.put("replicache.webhooks.main.horizon", "10m"); // well past the outage of a minute below
            config.put("replicache.webhooks.main.timeout", "2s");
            config.put("replicache.webhooks.main.poll-interval", "100ms");
            config.put("replicache.webhooks.keys.url", base + "keys");
            config.put("replicache.webhooks.keys.secret", KEYS_SECRET);
            config.put("replicache.webhooks.keys.batch-window", "0s");
            config.put("replicache.webhooks.keys.min-backoff", "100ms");
            config.put("replicache.webhooks.keys.max-backoff", "300ms");
            config.put("replicache.webhooks.keys.horizon", "1500ms");
            config.put("replicache.webhooks.keys.timeout", "1s");
            config.put("replicache.webhooks.keys.poll-interval", "100ms");
            return config;
        }
    }

    static WebhookReceiver receiver;

    @Inject
    AgroalDataSource dataSource;

    @Inject
    WebhookConfig config;

    @BeforeAll
    static void startReceiver() {
        receiver = WebhookReceiver.start(port());
    }

    @AfterAll
    static void stopReceiver() {
        receiver.close();
    }

    @AfterEach
    void answerEverything() {
        receiver.up();
        receiver.answer(request -> 200);
        assertEquals(List.of(), receiver.overlaps(), "one endpoint's requests for one space, two at once");
    }

    private static Map<String, Object> put(String clientID, long id, String key, Object value) {
        return mutation(clientID, id, "put", Map.of("key", key, "value", value));
    }

    private static void awaitDelivered(String endpoint, String space, long version, Duration within) {
        await().atMost(within).pollInterval(Duration.ofMillis(50)).until(
                () -> receiver.deliveredUpTo(endpoint, space) >= version);
    }

    @Test
    void eachChangeArrivesSignedWithItsKeysAndWithValuesWhereAskedFor() throws Exception {
        String space = space();
        String c = client();
        long before = System.currentTimeMillis() / 1000;
        pushOk(space, "g", put(c, 1, "a", Map.of("n", 1)));
        awaitDelivered("main", space, 1, Duration.ofSeconds(10));
        pushOk(space, "g", mutation(c, 2, "remove", "a"), put(c, 3, "b", "text"));
        awaitDelivered("main", space, 2, Duration.ofSeconds(10));
        awaitDelivered("keys", space, 2, Duration.ofSeconds(10));
        long after = System.currentTimeMillis() / 1000;

        List<Received> main = receiver.delivered("main", space);
        assertEquals(2, main.size(), "one delivery per change, the second after the window: " + main);
        assertEquals(JSON.readTree("""
                {"type": "space.changed", "spaceID": "%s", "fromVersion": 0, "toVersion": 1, "keys": ["a"],
                 "entries": [{"key": "a", "op": "put", "value": {"n": 1}}]}""".formatted(space)), main.get(0).json());
        assertEquals(JSON.readTree("""
                {"type": "space.changed", "spaceID": "%s", "fromVersion": 1, "toVersion": 2, "keys": ["a", "b"],
                 "entries": [{"key": "a", "op": "del"}, {"key": "b", "op": "put", "value": "text"}]}""".formatted(space)),
                main.get(1).json());
        for (Received delivery : main) {
            assertTrue(delivery.signedWith(MAIN_SECRET), "signed with main's secret: " + delivery);
            assertFalse(delivery.signedWith(KEYS_SECRET), "and not with another's");
            long timestamp = Long.parseLong(delivery.timestamp());
            assertTrue(timestamp >= before && timestamp <= after, "the attempt's time, in unix seconds: " + timestamp);
            UUID.fromString(delivery.id());
        }
        assertNotEquals(main.get(0).id(), main.get(1).id());

        List<Received> keys = receiver.delivered("keys", space);
        assertEquals(List.of(0L, 1L), keys.stream().map(Received::fromVersion).toList());
        assertEquals(JSON.readTree("""
                {"type": "space.changed", "spaceID": "%s", "fromVersion": 1, "toVersion": 2, "keys": ["a", "b"]}"""
                .formatted(space)), keys.get(1).json());
        assertTrue(keys.stream().allMatch(delivery -> delivery.signedWith(KEYS_SECRET)), "signed with its own secret");
        assertEquals(List.of(), receiver.orderProblems("main", space));
        assertEquals(List.of(), receiver.orderProblems("keys", space));
    }

    @Test
    void aServerWriteAndADeletionArriveAsChangesOfTheSpace() throws Exception {
        String space = space();
        pushOk(space, "g", put(client(), 1, "a", 1), put(client(), 1, "b", 2));
        awaitDelivered("keys", space, 1, Duration.ofSeconds(10));
        given().contentType("application/json")
                .body(Map.of("mutations", List.of(Map.of("name", "put", "args", Map.of("key", "c", "value", 3)))))
                .post("/api/spaces/" + space + "/mutate").then().statusCode(200);
        awaitDelivered("keys", space, 2, Duration.ofSeconds(10));
        given().delete("/api/spaces/" + space).then().statusCode(204);
        awaitDelivered("keys", space, 3, Duration.ofSeconds(10));

        List<Received> keys = receiver.delivered("keys", space);
        assertEquals(JSON.readTree("""
                {"type": "space.changed", "spaceID": "%s", "fromVersion": 1, "toVersion": 2, "keys": ["c"]}"""
                .formatted(space)), keys.get(keys.size() - 2).json());
        assertEquals(JSON.readTree("""
                {"type": "space.changed", "spaceID": "%s", "fromVersion": 2, "toVersion": 3, "keys": ["a", "b", "c"]}"""
                .formatted(space)), keys.get(keys.size() - 1).json(), "the deletion deletes every key");
        awaitDelivered("main", space, 3, Duration.ofSeconds(10));
        JsonNode last = receiver.delivered("main", space).getLast().json();
        assertEquals(JSON.readTree("""
                [{"key": "a", "op": "del"}, {"key": "b", "op": "del"}, {"key": "c", "op": "del"}]"""),
                last.path("entries"), last.toString());
    }

    @Test
    void changesWithinTheBatchWindowGoOutAsOneDelivery() throws Exception {
        String space = space();
        String c = client();
        long start = System.nanoTime();
        pushOk(space, "g", put(c, 1, "k0", 1));
        pushOk(space, "g", put(c, 2, "k1", 2));
        pushOk(space, "g", put(c, 3, "k2", 3));
        pushOk(space, "g", put(c, 4, "k1", 4));
        pushOk(space, "g", mutation(c, 5, "remove", "k0"));
        boolean withinWindow = System.nanoTime() - start < MAIN_WINDOW.toNanos();
        awaitDelivered("main", space, 5, Duration.ofSeconds(10));

        List<Received> deliveries = receiver.delivered("main", space);
        if (withinWindow) {
            assertEquals(1, deliveries.size(), "five pushes within the window, one delivery: " + deliveries);
            assertEquals(JSON.readTree("""
                    {"type": "space.changed", "spaceID": "%s", "fromVersion": 0, "toVersion": 5,
                     "keys": ["k0", "k1", "k2"],
                     "entries": [{"key": "k0", "op": "del"}, {"key": "k1", "op": "put", "value": 4},
                                 {"key": "k2", "op": "put", "value": 3}]}""".formatted(space)),
                    deliveries.get(0).json());
        } else {
            assertTrue(deliveries.size() < 5, "changes over more than the window still go out in batches: " + deliveries);
        }
        assertEquals(Map.of("k1", JSON.valueToTree(4), "k2", JSON.valueToTree(3)), WebhookReceiver.applied(deliveries));
        // The keys endpoint has no window: each version may go on its own, and still the same changes arrive.
        awaitDelivered("keys", space, 5, Duration.ofSeconds(10));
        Set<String> keys = new LinkedHashSet<>();
        receiver.delivered("keys", space).forEach(delivery -> delivery.json().get("keys").forEach(k -> keys.add(k.asText())));
        assertEquals(Set.of("k0", "k1", "k2"), keys);
    }

    @Test
    void aFailedDeliveryIsSentAgainWithTheSameIdAndBodyAndTheSpacesNextWaitsForIt() throws Exception {
        String space = "flaky-" + UUID.randomUUID();
        String c = client();
        AtomicInteger failures = new AtomicInteger(2);
        receiver.answer(request -> request.endpoint().equals("main") && request.spaceID().equals(space)
                && failures.getAndDecrement() > 0 ? 500 : 200);
        double retries = metric("replicache_webhooks_retries_total{endpoint=\"main\"}");
        double failed = metric("replicache_webhooks_deliveries_total{endpoint=\"main\",outcome=\"failed\"}");

        pushOk(space, "g", put(c, 1, "a", 1));
        await().atMost(Duration.ofSeconds(10)).until(() -> !receiver.received("main", space).isEmpty());
        pushOk(space, "g", put(c, 2, "b", 2)); // committed while the first delivery is failing
        awaitDelivered("main", space, 2, Duration.ofSeconds(15));

        List<Received> requests = receiver.received("main", space);
        assertEquals(4, requests.size(), "three attempts of the first delivery, one of the second: " + requests);
        Received first = requests.get(0);
        assertEquals(List.of(500, 500, 200), requests.subList(0, 3).stream().map(Received::status).toList());
        for (Received retry : requests.subList(1, 3)) {
            assertEquals(first.id(), retry.id(), "a retry has the delivery's id");
            assertEquals(first.body(), retry.body(), "and its body, byte for byte");
            assertTrue(retry.signedWith(MAIN_SECRET), "each attempt signed for its own timestamp");
        }
        assertEquals(1, first.toVersion(), "the first delivery does not take in what came while it was failing");
        assertEquals(1, requests.get(3).fromVersion());
        assertEquals(2, requests.get(3).toVersion());
        assertEquals(List.of(), receiver.orderProblems("main", space));
        assertTrue(metric("replicache_webhooks_retries_total{endpoint=\"main\"}") >= retries + 2);
        assertTrue(metric("replicache_webhooks_deliveries_total{endpoint=\"main\",outcome=\"failed\"}") >= failed + 2);
    }

    @Test
    void aDeliveryFailingPastItsHorizonIsDeadAndKeptAndTheSpacesLaterChangesGoOn() throws Exception {
        String space = "dead-" + UUID.randomUUID();
        String c = client();
        AtomicBoolean refusing = new AtomicBoolean(true);
        receiver.answer(request -> request.endpoint().equals("keys") && request.spaceID().equals(space) && refusing.get()
                ? 503
                : 200);
        String deadSeries = "replicache_webhooks_deliveries_total{endpoint=\"keys\",outcome=\"dead\"}";
        double deadBefore = metric(deadSeries);

        try (LogCapture log = LogCapture.of("io.github.replicachequarkus.webhook")) {
            pushOk(space, "g", put(c, 1, "a", 1));
            await().atMost(Duration.ofSeconds(15)).until(() -> deadDeliveries(space).size() == 1);
            // logged once it is recorded
            await().atMost(Duration.ofSeconds(5)).until(() -> log.records().stream().anyMatch(record -> record
                    .getLevel().intValue() == Level.WARNING.intValue() && LogCapture.message(record).contains(space)
                    && LogCapture.message(record).contains("is dead")));
        }
        Map<String, Object> dead = deadDeliveries(space).get(0);
        assertEquals(0L, dead.get("from_version"));
        assertEquals(1L, dead.get("to_version"));
        assertTrue((Integer) dead.get("attempts") >= 2, "it was retried before it died: " + dead);
        assertEquals("answered 503", dead.get("last_error"));
        assertTrue(receiver.received("keys", space).stream().allMatch(request -> request.id().equals(dead.get("id")
                .toString())), "every attempt was of that delivery");
        assertEquals(deadBefore + 1, metric(deadSeries));
        await().atMost(Duration.ofSeconds(5)).until(() -> metric("replicache_webhooks_dead{endpoint=\"keys\"}") >= 1);

        refusing.set(false);
        pushOk(space, "g", put(c, 2, "b", 2));
        await().atMost(Duration.ofSeconds(10)).until(() -> !receiver.delivered("keys", space).isEmpty());
        Received next = receiver.delivered("keys", space).get(0);
        assertEquals(1, next.fromVersion(), "the next starts after the dead one, so the gap shows");
        assertEquals(2, next.toVersion());
        awaitDelivered("main", space, 2, Duration.ofSeconds(10)); // another endpoint is not held up by it
        assertEquals(List.of(), receiver.orderProblems("main", space));
    }

    @Test
    void aReceiverDownForAMinuteGetsEveryChangeAfterwardsInOrderPerSpace() throws Exception {
        receiverDownThenUp(Duration.ofMinutes(1));
    }

    /**
     * The receiver is down for the outage (connections refused) while three spaces change; once it is back, every change
     * arrives, each space's in order. The same holds for an outage of an hour under the default backoff: only the waits
     * are longer.
     */
    private void receiverDownThenUp(Duration outage) throws Exception {
        List<String> spaces = List.of(space(), space(), space());
        Map<String, String> clients = new HashMap<>();
        spaces.forEach(space -> clients.put(space, client()));
        receiver.down();
        long until = System.nanoTime() + outage.toNanos();
        int n = 0;
        while (System.nanoTime() < until) {
            n++;
            for (String space : spaces) {
                pushOk(space, "g", put(clients.get(space), n, "k" + n % 4, n));
            }
            Thread.sleep(outage.toMillis() / 8);
        }
        assertTrue(metric("replicache_webhooks_lag_seconds{endpoint=\"main\"}") > 0.5,
                "the lag grows while the receiver is down");
        receiver.up();
        for (String space : spaces) {
            awaitDelivered("main", space, n, Duration.ofSeconds(30));
            assertEquals(List.of(), receiver.orderProblems("main", space));
            Map<String, JsonNode> state = new HashMap<>();
            Protocol.state(space).forEach((key, value) -> state.put(key, JSON.valueToTree(value)));
            assertEquals(state, WebhookReceiver.applied(receiver.delivered("main", space)),
                    "the deliveries add up to the space's state");
        }
        await().atMost(Duration.ofSeconds(5))
                .until(() -> metric("replicache_webhooks_lag_seconds{endpoint=\"main\"}") < outage.toSeconds());
    }

    @Test
    void moreDispatchersOnTheSameDatabaseNeverSendASpaceTwiceAtOnceAndKeepItsOrder() throws Exception {
        WebhookConfig.Endpoint main = config.endpoints().get("main");
        List<String> endpoints = List.copyOf(config.endpoints().keySet());
        List<SimpleMeterRegistry> registries = new ArrayList<>();
        List<Dispatcher> others = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
            SimpleMeterRegistry registry = new SimpleMeterRegistry();
            registries.add(registry);
            others.add(new Dispatcher("main", main, new Deliveries(dataSource, "main", "test-dispatcher-" + i),
                    Signer.of(main.secret()), new WebhookMetrics(registry, "main"), endpoints));
        }
        // Every delivery's first attempt fails: its retry is claimed by whichever dispatcher polls first after it is
        // due, so the others take part whatever the timing (the machine that composed it is only one of three).
        Set<String> attempted = ConcurrentHashMap.newKeySet();
        receiver.answer(request -> {
            if (!request.endpoint().equals("main")) {
                return 200;
            }
            Thread.sleep(ThreadLocalRandom.current().nextInt(10, 60));
            if (attempted.add(request.id())) {
                return 500;
            }
            return ThreadLocalRandom.current().nextInt(4) == 0 ? 500 : 200;
        });
        List<String> spaces = List.of(space(), space(), space(), space());
        int pushes = 8;
        others.forEach(Dispatcher::start);
        try (ExecutorService writers = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<?>> done = new ArrayList<>();
            for (String space : spaces) {
                done.add(writers.submit(() -> {
                    String c = client();
                    for (int i = 1; i <= pushes; i++) {
                        pushOk(space, "g", put(c, i, "k" + i % 3, i));
                        Thread.sleep(ThreadLocalRandom.current().nextInt(50, 400));
                    }
                    return null;
                }));
            }
            for (Future<?> writer : done) {
                writer.get();
            }
            for (String space : spaces) {
                awaitDelivered("main", space, pushes, Duration.ofSeconds(60));
                assertEquals(List.of(), receiver.orderProblems("main", space));
            }
        } finally {
            others.forEach(Dispatcher::stop);
        }
        assertEquals(List.of(), receiver.overlaps());
        double byOthers = registries.stream().flatMap(registry -> registry.find("replicache.webhooks.deliveries")
                .counters().stream()).mapToDouble(Counter::count).sum();
        assertTrue(byOthers > 0, "the other dispatchers took part");
    }

    @Test
    void theMetricsAreExposedPerEndpoint() {
        String space = space();
        double delivered = metric("replicache_webhooks_deliveries_total{endpoint=\"main\",outcome=\"delivered\"}");
        pushOk(space, "g", put(client(), 1, "a", 1));
        awaitDelivered("main", space, 1, Duration.ofSeconds(10));
        assertTrue(metric("replicache_webhooks_deliveries_total{endpoint=\"main\",outcome=\"delivered\"}") >= delivered
                + 1);
        String body = given().accept("text/plain").get("/q/metrics").then().statusCode(200).extract().asString();
        for (String series : List.of("replicache_webhooks_lag_seconds{endpoint=\"main\"",
                "replicache_webhooks_lag_seconds{endpoint=\"keys\"", "replicache_webhooks_dead{endpoint=\"keys\"",
                "replicache_webhooks_retries_total{endpoint=\"main\"",
                "replicache_webhooks_deliveries_total{endpoint=\"keys\",outcome=\"dead\"")) {
            assertTrue(body.contains(series), series + " is exposed");
        }
    }

    /** The keys endpoint's dead deliveries of the space, as rows. */
    private List<Map<String, Object>> deadDeliveries(String space) throws Exception {
        List<Map<String, Object>> rows = new ArrayList<>();
        try (Connection connection = dataSource.getConnection();
                PreparedStatement query = connection.prepareStatement(
                        "SELECT id, from_version, to_version, attempts, last_error FROM webhook_delivery"
                                + " WHERE endpoint = 'keys' AND space_id = ? AND dead_at IS NOT NULL")) {
            query.setString(1, space);
            try (ResultSet result = query.executeQuery()) {
                while (result.next()) {
                    Map<String, Object> row = new HashMap<>();
                    for (String column : List.of("id", "from_version", "to_version", "attempts", "last_error")) {
                        row.put(column, result.getObject(column));
                    }
                    rows.add(row);
                }
            }
        }
        return rows;
    }

    /** The value of a Prometheus series (its name and labels as written), 0 when it does not exist yet. */
    private static double metric(String series) {
        String body = given().accept("text/plain").get("/q/metrics").then().statusCode(200).extract().asString();
        return body.lines().map(line -> line.replace(",}", "}")).filter(line -> line.startsWith(series + " "))
                .mapToDouble(line -> Double.parseDouble(line.substring(series.length() + 1).strip())).sum();
    }
}
