package io.github.replicachequarkus.room;

import static io.github.replicachequarkus.testing.PresenceFrames.entry;
import static io.github.replicachequarkus.testing.PresenceFrames.presence;
import static io.github.replicachequarkus.testing.Protocol.client;
import static io.github.replicachequarkus.testing.Protocol.space;
import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;

import io.github.replicachequarkus.testing.TestSocket;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;

/** Presence and broadcasts over a room's sockets, in open mode (every user id is empty). */
@QuarkusTest
@TestProfile(PresenceSocketTest.SlowInterval.class)
class PresenceSocketTest {

    /** An interval long enough that a burst of updates surely falls within one, and a short grace. */
    public static class SlowInterval implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("replicache.room.presence-interval", "300ms", "replicache.room.presence-grace", "1s",
                    "replicache.room.max-presence-size", "1K");
        }
    }

    private static final Duration QUIET = Duration.ofMillis(700);

    @TestHTTPResource("/")
    URI base;

    @Test
    void aNewcomerIsToldWhoIsPresentRightAfterItsHello() {
        String space = space();
        String ana = client();
        String bo = client();
        try (TestSocket a = joined(space, ana); TestSocket b = TestSocket.open(base, space)) {
            a.send(presence(Map.of("name", "Ana")));
            awaitPresent(space, 1);

            b.hello(bo, "g-" + bo, null);
            JsonNode present = b.nextEvent();
            assertEquals("presence", present.path("message").asText());
            assertEquals(List.of(Map.of("clientID", ana, "userID", "", "state", Map.of("name", "Ana"))),
                    TestSocket.json(present.get("present")));
        }
    }

    @Test
    void aChangeReachesTheOthersButNotItsSender() {
        String space = space();
        String ana = client();
        try (TestSocket a = joined(space, ana); TestSocket b = joined(space, client())) {
            a.send(presence(Map.of("cursor", Map.of("x", 1, "y", 2))));

            JsonNode changes = b.nextEvent();
            assertEquals(List.of(Map.of("clientID", ana, "userID", "", "state", Map.of("cursor", Map.of("x", 1, "y", 2)))),
                    TestSocket.json(changes.get("changes")));
            assertNull(a.pollEvent(QUIET), "the sender is not told of its own change");
        }
    }

    @Test
    void aBurstWithinAnIntervalReachesTheOthersAsItsLatestState() {
        String space = space();
        String ana = client();
        try (TestSocket a = joined(space, ana); TestSocket b = joined(space, client())) {
            for (int x = 1; x <= 30; x++) {
                a.send(presence(Map.of("x", x)));
            }
            List<JsonNode> frames = new ArrayList<>();
            for (JsonNode frame = b.nextEvent(); frame != null; frame = b.pollEvent(QUIET)) {
                frames.add(frame);
            }
            assertTrue(frames.size() <= 3, "30 updates within about one interval came as " + frames.size() + " frames");
            JsonNode last = frames.get(frames.size() - 1).get("changes");
            assertEquals(1, last.size(), "one change per client per frame");
            assertEquals(30, last.get(0).path("state").path("x").asInt(), "the latest state wins");
        }
    }

    @Test
    void aClosedSocketsClientLeavesAtOnceAndAClearedStateIsNull() {
        String space = space();
        String ana = client();
        String bo = client();
        try (TestSocket a = joined(space, ana); TestSocket b = joined(space, bo); TestSocket c = joined(space, client())) {
            a.send(presence(Map.of("name", "Ana")));
            b.send(presence(Map.of("name", "Bo")));
            awaitPresent(space, 2);
            drain(c);

            a.close();
            b.send(presence(null));
            List<Object> changes = new ArrayList<>();
            while (changes.size() < 2) {
                changes.addAll((List<?>) TestSocket.json(c.nextEvent().get("changes")));
            }
            assertTrue(changes.containsAll(List.of(entry(ana, "", null),
                    entry(bo, "", null))), changes.toString());
            assertEquals(0, present(space).size());
        }
    }

    @Test
    void aClientThatReconnectsWithinTheGraceKeepsItsEntryAndNobodySeesItLeave() throws Exception {
        String space = space();
        String ana = client();
        try (TestSocket b = joined(space, client())) {
            TestSocket a = joined(space, ana);
            a.send(presence(Map.of("name", "Ana")));
            b.nextEvent();
            a.abort(); // the connection breaks: no close frame
            try (TestSocket again = joined(space, ana)) {
                assertNull(b.pollEvent(Duration.ofMillis(1_500)), "no leave and join while the client reconnects");
                assertEquals(1, present(space).size());

                again.close();
                assertEquals(List.of(entry(ana, "", null)), TestSocket.json(b.nextEvent().get("changes")));
            }
        }
    }

    @Test
    void aBrokenConnectionsClientLeavesAfterTheGrace() {
        String space = space();
        String ana = client();
        try (TestSocket b = joined(space, client())) {
            TestSocket a = joined(space, ana);
            a.send(presence(Map.of("name", "Ana")));
            b.nextEvent();
            a.abort();
            assertEquals(List.of(entry(ana, "", null)), TestSocket.json(b.nextEvent().get("changes")));
        }
    }

    @Test
    void presenceAndBroadcastsNeedAHelloFirst() {
        try (TestSocket a = TestSocket.open(base, space())) {
            a.send(presence(Map.of("name", "Ana")));
            assertEquals("HelloFirst", a.next().path("error").asText());
            a.send(Map.of("messageType", "broadcast", "event", 1));
            assertEquals("HelloFirst", a.next().path("error").asText());
        }
    }

    @Test
    void aStateTooBigOrNotAnObjectGetsAnErrorAndChangesNothing() {
        String space = space();
        try (TestSocket a = joined(space, client()); TestSocket b = joined(space, client())) {
            a.send(presence(Map.of("blob", "x".repeat(2_000))));
            assertEquals("TooBig", a.next().path("error").asText());
            a.send(Map.of("messageType", "presence", "state", "not an object"));
            assertEquals("InvalidPresence", a.next().path("error").asText());
            assertNull(b.pollEvent(QUIET));
            assertEquals(0, present(space).size());
        }
    }

    @Test
    void aBroadcastReachesTheOthersWithItsSender() {
        String space = space();
        String ana = client();
        try (TestSocket a = joined(space, ana);
                TestSocket b = joined(space, client());
                TestSocket c = joined(space, client())) {
            a.send(Map.of("messageType", "broadcast", "event", Map.of("emoji", "🎉")));
            for (TestSocket other : List.of(b, c)) {
                JsonNode event = other.nextEvent();
                assertEquals(Map.of("message", "broadcast", "clientID", ana, "userID", "", "event", Map.of("emoji", "🎉")),
                        TestSocket.json(event));
            }
            assertNull(a.pollEvent(QUIET), "the sender does not hear its own broadcast");
        }
    }

    private TestSocket joined(String space, String clientID) {
        TestSocket socket = TestSocket.open(base, space);
        socket.hello(clientID, "g-" + clientID, null);
        assertEquals("presence", socket.nextEvent().path("message").asText(), "the present frame follows the hello");
        return socket;
    }

    private List<Map<String, Object>> present(String space) {
        return given().queryParam("spaceID", space).get("/api/replicache/presence").then().statusCode(200).extract()
                .jsonPath().getList("present");
    }

    /** Waits until the space's presence shows {@code count} clients (as the server API tells). */
    private void awaitPresent(String space, int count) {
        await().atMost(Duration.ofSeconds(10)).until(() -> present(space).size() == count);
    }

    private static void drain(TestSocket socket) {
        while (socket.pollEvent(QUIET) != null) {
            // the frames that told of the joins
        }
    }
}
