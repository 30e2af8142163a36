package io.github.replicachequarkus.routing;

import static io.github.replicachequarkus.testing.Protocol.client;
import static io.github.replicachequarkus.testing.Protocol.mutation;
import static io.github.replicachequarkus.testing.Protocol.pushBody;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionException;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.github.replicachequarkus.testing.FlyProxy;
import io.github.replicachequarkus.testing.Instance;
import io.github.replicachequarkus.testing.TestDatabase;
import io.github.replicachequarkus.testing.TestSocket;

/**
 * Fly, simulated on one machine: three instances of the packaged application with their own {@code FLY_MACHINE_ID}s
 * on one database, behind a proxy that honours {@code fly-replay} as Fly's does. The tests take machines down as they
 * go: first a drain (SIGTERM), then a crash (kill -9).
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class FlySimulationIT {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String SECRET = "the simulated fly replay secret, 32+ bytes";

    private static TestDatabase database;
    private static final Map<String, Instance> machines = new LinkedHashMap<>();
    private static FlyProxy proxy;
    private static URI front;

    @BeforeAll
    static void startMachines() throws Exception {
        database = new TestDatabase();
        Map<String, String> datasource = database.start();
        for (String id : List.of("m1", "m2", "m3")) {
            machines.put(id, Instance.start(id, datasource, Map.of("FLY_MACHINE_ID", id, "FLY_APP_NAME", "sim",
                    "FLY_REGION", "ams", "REPLICACHE_ROUTING_REPLAY_SECRET", SECRET, "REPLICACHE_AUTH_MODE", "open",
                    "REPLICACHE_ROUTING_HEARTBEAT_INTERVAL", "500ms", "REPLICACHE_ROUTING_HEARTBEAT_EXPIRY", "3s")));
        }
        Map<String, Integer> ports = new HashMap<>();
        machines.forEach((id, instance) -> ports.put(id, instance.port()));
        proxy = new FlyProxy(ports);
        front = URI.create("http://localhost:" + proxy.port() + "/");
    }

    @AfterAll
    static void stopMachines() throws Exception {
        if (proxy != null) {
            proxy.close();
        }
        for (Instance instance : machines.values()) {
            instance.close();
        }
        if (database != null) {
            database.stop();
        }
    }

    /** A socket to the space's room through the proxy, entering at the given machine. */
    private static TestSocket socket(String space, String entry) {
        return TestSocket.openWithHeader(front, space, "x-fly-entry", entry);
    }

    /** The machine whose /api/rooms counts sockets for the space, and the owner it reports. */
    private static Map<String, Integer> socketsPerMachine(String space) throws Exception {
        Map<String, Integer> sockets = new HashMap<>();
        for (Instance instance : machines.values()) {
            if (!instance.alive()) {
                continue;
            }
            JsonNode rooms = JSON.readTree(HttpClient.newHttpClient().send(
                    HttpRequest.newBuilder(instance.uri().resolve("api/rooms")).build(),
                    HttpResponse.BodyHandlers.ofString()).body()).get("rooms");
            for (JsonNode room : rooms) {
                if (room.get("spaceID").asText().equals(space) && room.get("sockets").asInt() > 0) {
                    sockets.put(instance.name(), room.get("sockets").asInt());
                }
            }
        }
        return sockets;
    }

    private static String owner(String space) throws Exception {
        JsonNode rooms = JSON.readTree(HttpClient.newHttpClient().send(HttpRequest.newBuilder(front.resolve("api/rooms"))
                .build(), HttpResponse.BodyHandlers.ofString()).body()).get("rooms");
        for (JsonNode room : rooms) {
            if (room.get("spaceID").asText().equals(space)) {
                return room.get("owner").asText();
            }
        }
        throw new AssertionError("no room " + space);
    }

    private static Map<String, Object> pushFrame(String group, Map<String, Object> mutation) {
        Map<String, Object> frame = new HashMap<>(pushBody(group, List.of(mutation)));
        frame.put("messageType", "push");
        return frame;
    }

    /** The packaged application ships the todo mutators only. */
    private static Map<String, Object> todo(String clientID, long id, String todoID, String text) {
        return mutation(clientID, id, "createTodo", Map.of("id", todoID, "text", text, "completed", false));
    }

    /** Reconnects through the proxy until the room is reachable again (its new machine may take a heartbeat). */
    private static TestSocket reconnect(String space, String entry, Duration within) throws InterruptedException {
        Instant deadline = Instant.now().plus(within);
        while (true) {
            try {
                return socket(space, entry);
            } catch (CompletionException | AssertionError notYet) {
                if (Instant.now().isAfter(deadline)) {
                    throw new AssertionError("the room of " + space + " did not come back within " + within, notYet);
                }
                Thread.sleep(250);
            }
        }
    }

    @Test
    @Order(1)
    void everySocketOfARoomLandsOnItsOwnerWhereverItEnters() throws Exception {
        String space = "sim-" + client();
        List<TestSocket> sockets = new ArrayList<>();
        try {
            for (String entry : List.of("m1", "m2", "m3", "m1", "m2", "m3")) {
                TestSocket socket = socket(space, entry);
                socket.hello(client(), "g", null);
                sockets.add(socket);
            }
            String owner = owner(space);
            assertEquals(Map.of(owner, 6), socketsPerMachine(space));
            assertTrue(proxy.replays.stream().anyMatch(replay -> replay.endsWith("-> " + owner)), proxy.replays.toString());
        } finally {
            sockets.forEach(TestSocket::close);
        }
    }

    @Test
    @Order(2)
    void clientsEnteringAtDifferentMachinesSeeEachOthersChanges() throws Exception {
        String space = "sim-" + client();
        String a = client();
        try (TestSocket viaM1 = socket(space, "m1"); TestSocket viaM2 = socket(space, "m2")) {
            viaM1.hello(a, "ga", null);
            viaM2.hello(client(), "gb", null);

            viaM1.send(pushFrame("ga", todo(a, 1, "k", "from m1")));
            assertEquals("from m1", viaM2.next().at("/patch/0/value/text").asText());
            viaM1.next();

            // An HTTP push is stateless: it runs on whichever machine it enters, and the relay pokes the owner's room.
            String notOwner = machines.keySet().stream().filter(id -> {
                try {
                    return !id.equals(owner(space));
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            }).findFirst().orElseThrow();
            HttpResponse<String> pushed = HttpClient.newHttpClient().send(HttpRequest
                    .newBuilder(machines.get(notOwner).uri().resolve("api/replicache/push?spaceID=" + space))
                    .header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(pushBody("gc",
                            List.of(todo(client(), 1, "k2", "over http"))))))
                    .build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(200, pushed.statusCode(), pushed.body());
            assertEquals("over http", viaM1.next().at("/patch/0/value/text").asText());
            assertEquals("over http", viaM2.next().at("/patch/0/value/text").asText());
        }
    }

    @Test
    @Order(3)
    void aForgedReplayStateIsRefused() {
        String space = "sim-" + client();
        for (Instance instance : machines.values()) {
            assertEquals(403, TestSocket.refusedUpgrade(instance.uri(), space, Map.of("fly-replay-src",
                    "instance=m9;region=ams;t=1;state=" + space + "." + instance.name() + ".9999999999.forged"))
                    .statusCode());
        }
    }

    @Test
    @Order(4)
    void aDrainingMachineHandsItsRoomsOverAndItsClientsFollow() throws Exception {
        String space = "sim-" + client();
        String a = client();
        TestSocket first = socket(space, "m1");
        first.hello(a, "ga", null);
        String owner = owner(space);

        long stopping = System.nanoTime();
        machines.get(owner).stop(); // SIGTERM
        Duration stopped = Duration.ofNanos(System.nanoTime() - stopping);
        assertFalse(machines.get(owner).alive());
        assertTrue(stopped.compareTo(Duration.ofSeconds(10)) < 0, "a drained machine exits once its shutdown delay "
                + "(2 s) is over, not after quarkus.shutdown.timeout (20 s) for the socket it had: " + stopped);
        assertEquals(4010, first.closeCode());
        proxy.remove(owner);

        String entry = machines.keySet().stream().filter(id -> !id.equals(owner)).findFirst().orElseThrow();
        try (TestSocket again = reconnect(space, entry, Duration.ofSeconds(5))) {
            assertEquals(0, again.hello(a, "ga", 0).get("cookie").asLong());
            String newOwner = owner(space);
            assertNotEquals(owner, newOwner);
            again.send(pushFrame("ga", todo(a, 1, "k", "after the drain")));
            assertEquals(1, again.next().get("cookie").asLong());
        }
    }

    @Test
    @Order(5)
    void whenTheOwnerIsKilledItsRoomMovesAndClientsConverge() throws Exception {
        String space = "sim-" + client();
        List<String> live = machines.values().stream().filter(Instance::alive).map(Instance::name).toList();
        assertEquals(2, live.size(), "one machine was drained before");
        String a = client();
        String b = client();
        TestSocket socketA = socket(space, live.get(0));
        TestSocket socketB = socket(space, live.get(1));
        long cookie = socketA.hello(a, "ga", null).get("cookie").asLong();
        socketB.hello(b, "gb", null);
        socketA.send(pushFrame("ga", todo(a, 1, "before", "before the crash")));
        cookie = socketA.next().get("cookie").asLong();
        long cookieB = socketB.next().get("cookie").asLong();
        String owner = owner(space);
        String survivor = live.stream().filter(id -> !id.equals(owner)).findFirst().orElseThrow();

        machines.get(owner).kill(); // kill -9: no draining, its heartbeat just stops
        proxy.remove(owner);
        socketA.closeCode();
        socketB.closeCode();

        try (TestSocket againA = reconnect(space, survivor, Duration.ofSeconds(20));
                TestSocket againB = reconnect(space, survivor, Duration.ofSeconds(20))) {
            assertEquals("[]", againA.hello(a, "ga", cookie).get("patch").toString(), "nothing was lost or replayed");
            againB.hello(b, "gb", cookieB);
            assertEquals(survivor, owner(space));

            againB.send(pushFrame("gb", todo(b, 1, "after", "after the crash")));
            JsonNode pokeA = againA.next();
            assertEquals("after the crash", pokeA.at("/patch/0/value/text").asText());
            assertEquals(2, pokeA.at("/patch/0/value/sort").asInt(), "the todo from before the crash is still there");
            assertEquals(Map.of(b, 1),
                    io.github.replicachequarkus.testing.Protocol.map(againB.next().get("lastMutationIDChanges")));
        }
    }
}
