package io.github.replicachequarkus.room;

import static io.github.replicachequarkus.testing.PresenceFrames.entry;
import static io.github.replicachequarkus.testing.PresenceFrames.presence;
import static io.github.replicachequarkus.testing.Protocol.client;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.github.replicachequarkus.testing.Instance;
import io.github.replicachequarkus.testing.TestDatabase;
import io.github.replicachequarkus.testing.TestSocket;

/**
 * One space's sockets on several machines, routing off: real instances of the packaged application on one database.
 * Each sees the others' presence and broadcasts through the relay; a machine that starts later is told who is present;
 * a machine killed with SIGKILL takes its clients' presence with it within its heartbeat expiry.
 */
class PresenceAcrossMachinesIT {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration EXPIRY = Duration.ofMillis(1500);
    private static final Duration WAIT = Duration.ofSeconds(10);

    private static TestDatabase database;
    private static Map<String, String> datasource;
    private static final List<Instance> instances = new ArrayList<>();

    @BeforeAll
    static void startDatabase() {
        database = new TestDatabase();
        datasource = database.start();
    }

    @AfterAll
    static void stopAll() throws Exception {
        for (Instance instance : instances) {
            instance.close();
        }
        if (database != null) {
            database.stop();
        }
    }

    private static Instance machine(String name) throws Exception {
        Instance instance = Instance.start(name, datasource, Map.of("REPLICACHE_AUTH_MODE", "open",
                "REPLICACHE_RELAY_HEARTBEAT_INTERVAL", "300ms", "REPLICACHE_RELAY_HEARTBEAT_EXPIRY", EXPIRY.toMillis() + "ms"));
        instances.add(instance);
        return instance;
    }

    @Test
    void presenceAndBroadcastsReachEveryMachineAndADeadMachinesClientsVanish() throws Exception {
        String space = "presence-" + UUID.randomUUID();
        Instance first = machine("presence-1");
        Instance second = machine("presence-2");
        String ana = client();
        String bo = client();
        try (TestSocket a = joined(first, space, ana); TestSocket b = joined(second, space, bo)) {
            a.send(presence(Map.of("name", "Ana", "x", 1)));
            assertEquals(List.of(entry(ana, "", Map.of("name", "Ana", "x", 1))), changesOf(b));
            b.send(presence(Map.of("name", "Bo")));
            assertEquals(List.of(entry(bo, "", Map.of("name", "Bo"))), changesOf(a));
            assertEquals(Set.of(ana, bo), clientsPresent(first, space));
            assertEquals(Set.of(ana, bo), clientsPresent(second, space));

            String big = "ü".repeat(5000); // 10,000 bytes: more than one NOTIFY holds
            a.send(Map.of("messageType", "broadcast", "event", Map.of("text", big)));
            JsonNode broadcast = b.nextEvent();
            assertEquals("broadcast", broadcast.path("message").asText());
            assertEquals(ana, broadcast.path("clientID").asText());
            assertEquals(big, broadcast.path("event").path("text").asText());

            Instance third = machine("presence-3");
            try (TestSocket c = TestSocket.open(third.uri(), space)) {
                c.hello(client(), "g-c", null);
                JsonNode present = c.nextEvent();
                assertEquals(Set.of(ana, bo), clients(present.get("present")),
                        "a machine that starts later is told who is present on the others");

                second.kill(); // kill -9: no goodbye, its heartbeats just stop
                long killedAt = System.nanoTime();
                assertEquals(List.of(entry(bo, "", null)), changesOf(a));
                long took = (System.nanoTime() - killedAt) / 1_000_000;
                assertTrue(took < EXPIRY.toMillis() + 1000,
                        "gone within its heartbeat expiry (" + EXPIRY.toMillis() + " ms) and a little: " + took + " ms");
                assertEquals(List.of(entry(bo, "", null)), changesOf(c));
                assertEquals(Set.of(ana), clientsPresent(first, space));
                assertEquals(Set.of(ana), clientsPresent(third, space));
            }
            a.close(); // closed on purpose: gone from the others at once
        }
    }

    private static TestSocket joined(Instance instance, String space, String clientID) {
        TestSocket socket = TestSocket.open(instance.uri(), space);
        socket.hello(clientID, "g-" + clientID, null);
        assertEquals("presence", socket.nextEvent().path("message").asText(), "the present frame follows the hello");
        return socket;
    }

    private static List<?> changesOf(TestSocket socket) {
        JsonNode frame = socket.pollEvent(WAIT);
        assertNotNull(frame, "a presence frame in time");
        assertEquals("presence", frame.path("message").asText(), frame.toString());
        return (List<?>) TestSocket.json(frame.get("changes"));
    }

    private static Set<String> clientsPresent(Instance instance, String space) throws Exception {
        HttpResponse<String> response = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                instance.uri().resolve(URI.create("api/replicache/presence?spaceID=" + space))).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, response.statusCode(), response.body());
        return clients(JSON.readTree(response.body()).get("present"));
    }

    private static Set<String> clients(JsonNode entries) {
        Set<String> clients = new HashSet<>();
        entries.forEach(entry -> clients.add(entry.path("clientID").asText()));
        return clients;
    }

}
