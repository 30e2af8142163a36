package io.github.replicachequarkus.relay;

import static io.github.replicachequarkus.testing.PresenceFrames.entry;
import static io.github.replicachequarkus.testing.PresenceFrames.presence;
import static io.github.replicachequarkus.testing.Protocol.client;
import static io.github.replicachequarkus.testing.Protocol.space;
import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import jakarta.inject.Inject;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.github.replicachequarkus.relay.RoomMessage.Kind;
import io.github.replicachequarkus.testing.TestSocket;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;

/**
 * Presence and broadcasts between machines: the other machine is played by the test ({@link FakeMachine}), which
 * speaks on the rooms channel as a relay does. Open mode: every user id is empty.
 */
@QuarkusTest
@TestProfile(RelayedPresenceTest.QuickHeartbeats.class)
class RelayedPresenceTest {

    /** Heartbeats every 200 ms, a machine silent for 1 s is gone; a short grace. */
    public static class QuickHeartbeats implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("replicache.relay.heartbeat-interval", "200ms", "replicache.relay.heartbeat-expiry", "1s",
                    "replicache.room.presence-grace", "500ms");
        }
    }

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration WAIT = Duration.ofSeconds(10);
    private static final Duration QUIET = Duration.ofMillis(700);

    @TestHTTPResource("/")
    URI base;

    @Inject
    Relay relay;

    @BeforeEach
    void relayListens() {
        await().atMost(WAIT).until(relay::listening); // what is sent before it listens is lost
    }

    @Test
    void anotherMachinesClientsAppearChangeAndLeaveInTheRoom() throws Exception {
        String space = space();
        try (FakeMachine other = FakeMachine.start(); TestSocket socket = joined(space, client())) {
            other.send(Kind.PRESENCE, space, changes(entry("far", "", Map.of("x", 1))));
            assertEquals(List.of(Map.of("clientID", "far", "userID", "", "state", Map.of("x", 1))), changesOf(socket));
            assertEquals(List.of(Map.of("clientID", "far", "userID", "", "state", Map.of("x", 1))), present(space));

            other.send(Kind.PRESENCE, space, changes(entry("far", "", Map.of("x", 2))));
            assertEquals(List.of(Map.of("clientID", "far", "userID", "", "state", Map.of("x", 2))), changesOf(socket));

            other.send(Kind.PRESENCE, space, changes(entry("far", "", null)));
            assertEquals(List.of(entry("far", "", null)), changesOf(socket));
            assertEquals(List.of(), present(space));
        }
    }

    @Test
    void aRoomMadeLaterStartsWithWhoIsPresentElsewhere() throws Exception {
        String space = space();
        try (FakeMachine other = FakeMachine.start()) {
            other.send(Kind.PRESENCE, space, changes(entry("far", "", Map.of("name", "Bo"))));
            awaitPresent(space, 1); // no room here: the presence of the space on the other machine is known anyway

            try (TestSocket socket = TestSocket.open(base, space)) {
                socket.hello(client(), "g", null);
                JsonNode present = socket.nextEvent();
                assertEquals(List.of(Map.of("clientID", "far", "userID", "", "state", Map.of("name", "Bo"))),
                        TestSocket.json(present.get("present")));
            }
        }
    }

    @Test
    void aLocalClientsChangesReachTheOtherMachineCoalescedAndItIsAskedForItsOwn() throws Exception {
        String space = space();
        String ana = client();
        try (FakeMachine other = FakeMachine.start(); TestSocket socket = joined(space, ana)) {
            RoomMessage asked = other.next(relay.machine(), m -> FakeMachine.is(m, Kind.SNAPSHOT_WANTED), WAIT);
            assertNotNull(asked, "a machine heard for the first time is asked who is present there");
            assertEquals(other.id, asked.body());

            for (int x = 0; x < 50; x++) {
                socket.send(presence(Map.of("x", x)));
            }
            RoomMessage last = other.next(relay.machine(),
                    m -> FakeMachine.is(m, Kind.PRESENCE) && m.body().contains("{\"x\":49}"), WAIT);
            assertNotNull(last, "the latest state reaches the other machine");
            assertEquals(space, last.spaceID());
            assertEquals(List.of(Map.of("clientID", ana, "userID", "", "state", Map.of("x", 49))),
                    JSON.readValue(last.body(), List.class));
        }
    }

    @Test
    void aMachineThatAsksIsToldEveryoneOfThisMachineInEverySpace() throws Exception {
        String first = space();
        String second = space();
        String ana = client();
        String bo = client();
        try (FakeMachine other = FakeMachine.start();
                TestSocket a = joined(first, ana);
                TestSocket b = joined(second, bo)) {
            a.send(presence(Map.of("name", "Ana")));
            b.send(presence(Map.of("name", "Bo")));
            awaitPresent(first, 1);
            awaitPresent(second, 1);
            assertNotNull(other.next(relay.machine(), m -> FakeMachine.is(m, Kind.SNAPSHOT), WAIT),
                    "a machine heard for the first time is sent this one's snapshot unasked");
            other.all(relay.machine(), QUIET);

            other.send(Kind.SNAPSHOT_WANTED, "", "*");
            RoomMessage snapshot = other.next(relay.machine(), m -> FakeMachine.is(m, Kind.SNAPSHOT), WAIT);
            assertNotNull(snapshot);
            Map<?, ?> spaces = JSON.readValue(snapshot.body(), Map.class);
            assertEquals(List.of(Map.of("clientID", ana, "userID", "", "state", Map.of("name", "Ana"))), spaces.get(first));
            assertEquals(List.of(Map.of("clientID", bo, "userID", "", "state", Map.of("name", "Bo"))), spaces.get(second));

            other.send(Kind.SNAPSHOT_WANTED, "", "another-machine");
            assertNull(other.next(relay.machine(), m -> FakeMachine.is(m, Kind.SNAPSHOT), QUIET),
                    "a request for another machine's snapshot is not this one's to answer");
        }
    }

    @Test
    void aSnapshotReplacesAllThatMachineHeld() throws Exception {
        String space = space();
        try (FakeMachine other = FakeMachine.start(); TestSocket socket = joined(space, client())) {
            other.send(Kind.PRESENCE, space, changes(entry("c1", "", Map.of("x", 1)), entry("c2", "", Map.of("x", 2))));
            assertEquals(2, changesOf(socket).size());

            other.send(Kind.SNAPSHOT, "", "{" + JSON.writeValueAsString(space) + ":" + changes(entry("c2", "", Map.of("x", 3)))
                    + "}");
            assertEquals(List.of(entry("c1", "", null), Map.of("clientID", "c2", "userID", "", "state", Map.of("x", 3))),
                    changesOf(socket));
        }
    }

    @Test
    void broadcastsCrossBothWaysEvenWhenTooLongForNotify() throws Exception {
        String space = space();
        String ana = client();
        String big = "é".repeat(6000); // 12,000 bytes: through the table
        try (FakeMachine other = FakeMachine.start(); TestSocket socket = joined(space, ana)) {
            assertNotNull(other.next(relay.machine(), m -> FakeMachine.is(m, Kind.SNAPSHOT_WANTED), WAIT));

            socket.send(Map.of("messageType", "broadcast", "event", Map.of("text", big)));
            RoomMessage broadcast = other.next(relay.machine(), m -> FakeMachine.is(m, Kind.BROADCAST), WAIT);
            assertNotNull(broadcast);
            assertEquals(space, broadcast.spaceID());
            assertEquals(Map.of("message", "broadcast", "clientID", ana, "userID", "", "event", Map.of("text", big)),
                    JSON.readValue(broadcast.body(), Map.class));

            String frame = JSON.writeValueAsString(
                    Map.of("message", "broadcast", "clientID", "far", "userID", "", "event", Map.of("text", big)));
            other.send(Kind.BROADCAST, space, frame);
            assertEquals(frame, socket.nextEvent().toString());
        }
    }

    @Test
    void aMachineThatSaysGoodbyeOrFallsSilentLeavesNoPresenceBehind() throws Exception {
        String space = space();
        try (TestSocket socket = joined(space, client())) {
            try (FakeMachine leaving = FakeMachine.start()) {
                leaving.send(Kind.PRESENCE, space, changes(entry("polite", "", Map.of("x", 1))));
                assertEquals(1, changesOf(socket).size());
                leaving.send(Kind.GOODBYE, "", "");
                assertEquals(List.of(entry("polite", "", null)), changesOf(socket));
            }
            FakeMachine dying = FakeMachine.start();
            dying.send(Kind.PRESENCE, space, changes(entry("crashed", "", Map.of("x", 1))));
            assertEquals(1, changesOf(socket).size());
            dying.close(); // silent from now on, as a machine killed
            long silentSince = System.nanoTime();

            assertEquals(List.of(entry("crashed", "", null)), changesOf(socket));
            long took = (System.nanoTime() - silentSince) / 1_000_000;
            assertTrue(took >= 800, "not before its heartbeat expired: " + took + " ms");
            assertEquals(List.of(), present(space));
        }
    }

    @Test
    void aClientThatMovedToAnotherMachineIsNotRemovedWhenItsOldSocketsGraceEnds() throws Exception {
        String space = space();
        String ana = client();
        try (FakeMachine other = FakeMachine.start(); TestSocket watcher = joined(space, client())) {
            TestSocket old = joined(space, ana);
            old.send(presence(Map.of("x", 1)));
            assertEquals(1, changesOf(watcher).size());

            old.abort(); // the connection broke: the entry waits out its grace
            other.send(Kind.PRESENCE, space, changes(entry(ana, "", Map.of("x", 2)))); // ana reconnected there
            assertEquals(List.of(Map.of("clientID", ana, "userID", "", "state", Map.of("x", 2))), changesOf(watcher));

            assertNull(watcher.pollEvent(Duration.ofMillis(1200)), "the grace ended, but the entry is the other's now");
            assertEquals(1, present(space).size());
        }
    }

    @Test
    void aClientThatMovesHereFromAnotherMachineIsAnnouncedAsThisMachines() throws Exception {
        String space = space();
        String ana = client();
        try (FakeMachine other = FakeMachine.start()) {
            other.send(Kind.PRESENCE, space, changes(entry(ana, "", Map.of("x", 1))));
            assertNotNull(other.next(relay.machine(), m -> FakeMachine.is(m, Kind.SNAPSHOT_WANTED), WAIT));
            awaitPresent(space, 1);

            try (TestSocket socket = TestSocket.open(base, space)) {
                socket.hello(ana, "g-" + ana, null);
                RoomMessage announced = other.next(relay.machine(), m -> FakeMachine.is(m, Kind.PRESENCE), WAIT);
                assertNotNull(announced, "the other machines learn that this one holds the client now");
                assertEquals(List.of(Map.of("clientID", ana, "userID", "", "state", Map.of("x", 1))),
                        JSON.readValue(announced.body(), List.class));
            }
        }
    }

    @Test
    void malformedRoomMessagesAreIgnoredAndTheRelayKeepsListening() throws Exception {
        String space = space();
        try (FakeMachine other = FakeMachine.start(); TestSocket socket = joined(space, client())) {
            other.sendRaw("gibberish");
            other.sendRaw(other.id + " 1 q 0:");
            other.sendRaw(other.id + " @ 999999999");
            other.send(Kind.PRESENCE, space, "not json");
            other.send(Kind.PRESENCE, space, "[{\"clientID\":1,\"userID\":\"\",\"state\":{}}]");
            other.send(Kind.PRESENCE, space, "[{\"clientID\":\"c\",\"userID\":\"\",\"state\":[1]}]");
            other.send(Kind.SNAPSHOT, "", "[]");

            other.send(Kind.PRESENCE, space, changes(entry("fine", "", Map.of("ok", true))));
            assertEquals(List.of(Map.of("clientID", "fine", "userID", "", "state", Map.of("ok", true))),
                    changesOf(socket));
            assertTrue(relay.listening());
        }
    }

    private TestSocket joined(String space, String clientID) {
        TestSocket socket = TestSocket.open(base, space);
        socket.hello(clientID, "g-" + clientID, null);
        assertEquals("presence", socket.nextEvent().path("message").asText(), "the present frame follows the hello");
        return socket;
    }

    private static List<?> changesOf(TestSocket socket) {
        JsonNode frame = socket.nextEvent();
        assertEquals("presence", frame.path("message").asText(), frame.toString());
        return (List<?>) TestSocket.json(frame.get("changes"));
    }

    @SafeVarargs
    private static String changes(Map<String, Object>... changes) throws Exception {
        return JSON.writeValueAsString(List.of(changes));
    }

    private List<?> present(String space) {
        return given().queryParam("spaceID", space).get("/api/replicache/presence").then().statusCode(200).extract()
                .jsonPath().getList("present");
    }

    private void awaitPresent(String space, int count) {
        await().atMost(WAIT).until(() -> present(space).size() == count);
    }
}
