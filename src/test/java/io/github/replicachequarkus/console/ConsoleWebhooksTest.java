package io.github.replicachequarkus.console;

import static io.github.replicachequarkus.testing.Protocol.client;
import static io.github.replicachequarkus.testing.Protocol.mutation;
import static io.github.replicachequarkus.testing.Protocol.pushOk;
import static io.github.replicachequarkus.testing.Protocol.space;
import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.is;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import io.github.replicachequarkus.testing.SharedPort;
import io.github.replicachequarkus.testing.WebhookReceiver;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.path.json.JsonPath;

/**
 * The webhooks as the console sees them: one endpoint, {@code ops}, on a receiver of the test's own, with a query
 * secret in its URL and a horizon of one second, so that a delivery it refuses dies quickly.
 */
@QuarkusTest
@TestProfile(ConsoleWebhooksTest.OneEndpoint.class)
class ConsoleWebhooksTest {

    static final String SECRET = "whsec_3q2+7wABAgMEBQYHCAkKCwwNDg8QERITFBUWFxgZGhs=";

    /** The receiver's port, chosen once per JVM: the profile and the test both read it from a system property. */
    static int port() {
        return SharedPort.of("replicache.test.console-webhook-port");
    }

    public static class OneEndpoint implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("replicache.webhooks.ops.url", "http://localhost:" + port() + "/ops?key=s3cret&plain",
                    "replicache.webhooks.ops.secret", SECRET, "replicache.webhooks.ops.batch-window", "0s",
                    "replicache.webhooks.ops.min-backoff", "100ms", "replicache.webhooks.ops.max-backoff", "200ms",
                    "replicache.webhooks.ops.horizon", "1s", "replicache.webhooks.ops.timeout", "1s",
                    "replicache.webhooks.ops.poll-interval", "100ms");
        }
    }

    static WebhookReceiver receiver;

    @BeforeAll
    static void startReceiver() {
        receiver = WebhookReceiver.start(port());
    }

    @AfterAll
    static void stopReceiver() {
        receiver.close();
    }

    @Test
    void aDeadDeliveryIsListedAndDeliveredAfterARetry() {
        String space = space();
        AtomicBoolean refusing = new AtomicBoolean(true);
        receiver.answer(request -> request.spaceID().equals(space) && refusing.get() ? 503 : 200);
        pushOk(space, "g", mutation(client(), 1, "put", Map.of("key", "a", "value", 1)));

        String id = await().atMost(Duration.ofSeconds(15)).until(() -> given().get("/api/webhooks/dead").then()
                .statusCode(200).extract().jsonPath().<String> getList("dead.findAll { it.spaceID == '" + space
                        + "' }.id"),
                ids -> ids.size() == 1).get(0);
        JsonPath dead = given().get("/api/webhooks/dead").then().extract().jsonPath();
        String at = "dead.find { it.id == '" + id + "' }";
        assertEquals("ops", dead.getString(at + ".endpoint"));
        assertEquals(0, dead.getLong(at + ".fromVersion"));
        assertEquals(1, dead.getLong(at + ".toVersion"));
        assertTrue(dead.getInt(at + ".attempts") >= 2, "it was retried before it died");
        assertEquals("answered 503", dead.getString(at + ".lastError"));
        assertTrue(dead.getString(at + ".diedAt").endsWith("Z"));

        JsonPath endpoints = given().get("/api/webhooks").then().statusCode(200).extract().jsonPath();
        assertEquals(List.of("ops"), endpoints.getList("endpoints.name"));
        assertEquals("http://localhost:" + port() + "/ops?key=***&plain", endpoints.getString("endpoints[0].url"),
                "the query's values are hidden");
        assertTrue(endpoints.getLong("endpoints[0].dead") >= 1);
        assertTrue(endpoints.getLong("endpoints[0].failed") >= 2);
        assertEquals("answered 503", endpoints.getString("endpoints[0].lastError"));

        refusing.set(false);
        given().post("/api/webhooks/dead/" + id + "/retry").then().statusCode(202).body("id", is(id));

        await().atMost(Duration.ofSeconds(10)).until(() -> receiver.delivered("ops", space).stream()
                .anyMatch(request -> request.id().equals(id)));
        await().atMost(Duration.ofSeconds(5)).until(() -> !given().get("/api/webhooks/dead").then().extract()
                .jsonPath().getList("dead.id").contains(id));
        given().post("/api/webhooks/dead/" + id + "/retry").then().statusCode(404).body("error", is("DeliveryNotFound"));
    }

    @Test
    void retryingWhatIsNotADeadDeliveryIsRefused() {
        given().post("/api/webhooks/dead/" + UUID.randomUUID() + "/retry").then().statusCode(404)
                .body("error", is("DeliveryNotFound"));
        given().post("/api/webhooks/dead/not-an-id/retry").then().statusCode(404).body("error", is("DeliveryNotFound"));
        given().queryParam("limit", 0).get("/api/webhooks/dead").then().statusCode(400)
                .body("error", is("InvalidLimit"));
    }
}
