package io.github.replicachequarkus.room;

import static io.github.replicachequarkus.testing.Protocol.client;
import static io.github.replicachequarkus.testing.Protocol.mutation;
import static io.github.replicachequarkus.testing.Protocol.pushOk;
import static io.github.replicachequarkus.testing.Protocol.space;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;

import io.github.replicachequarkus.testing.Protocol;
import io.github.replicachequarkus.testing.TestSocket;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;

@QuarkusTest
class RoomSocketTest {

    private static final Duration QUIET = Duration.ofMillis(500);

    @TestHTTPResource("/")
    URI base;

    @Inject
    Rooms rooms;

    private static Map<String, Object> pushFrame(String clientGroupID, Map<String, Object> mutation) {
        Map<String, Object> frame = new java.util.HashMap<>(Protocol.pushBody(clientGroupID, List.of(mutation)));
        frame.put("messageType", "push");
        return frame;
    }

    @Test
    void helloWithoutACookieGetsTheWholeState() {
        String space = space();
        String c1 = client();
        pushOk(space, "g1", mutation(c1, 1, "put", Map.of("key", "a", "value", 1)));
        try (TestSocket socket = TestSocket.open(base, space)) {
            JsonNode poke = socket.hello(c1, "g1", null);
            assertTrue(poke.get("baseCookie").isNull());
            assertEquals(1, poke.get("cookie").asLong());
            assertEquals(Map.of(c1, 1), Protocol.map(poke.get("lastMutationIDChanges")));
            assertEquals("[{\"op\":\"clear\"},{\"op\":\"put\",\"key\":\"a\",\"value\":1}]", poke.get("patch").toString());
        }
    }

    @Test
    void helloWithACookieGetsWhatChangedSince() {
        String space = space();
        String c1 = client();
        pushOk(space, "g1", mutation(c1, 1, "put", Map.of("key", "a", "value", 1)));
        pushOk(space, "g1", mutation(c1, 2, "put", Map.of("key", "b", "value", 2)));
        try (TestSocket socket = TestSocket.open(base, space)) {
            JsonNode poke = socket.hello(c1, "g1", 1);
            assertEquals(1, poke.get("baseCookie").asLong());
            assertEquals(2, poke.get("cookie").asLong());
            assertEquals("[{\"op\":\"put\",\"key\":\"b\",\"value\":2}]", poke.get("patch").toString());
            assertEquals(Map.of(c1, 2), Protocol.map(poke.get("lastMutationIDChanges")));
        }
    }

    @Test
    void aPushOverOneSocketPokesEverySocketWithChainedBaseCookies() {
        String space = space();
        String a = client();
        String b = client();
        try (TestSocket socketA = TestSocket.open(base, space); TestSocket socketB = TestSocket.open(base, space)) {
            assertEquals(0, socketA.hello(a, "ga", null).get("cookie").asLong());
            assertEquals(0, socketB.hello(b, "gb", null).get("cookie").asLong());

            socketA.send(pushFrame("ga", mutation(a, 1, "put", Map.of("key", "k", "value", "v1"))));
            JsonNode pokeA = socketA.next();
            JsonNode pokeB = socketB.next();
            for (JsonNode poke : List.of(pokeA, pokeB)) {
                assertEquals("poke", poke.get("message").asText());
                assertEquals(0, poke.get("baseCookie").asLong());
                assertEquals(1, poke.get("cookie").asLong());
                assertEquals("[{\"op\":\"put\",\"key\":\"k\",\"value\":\"v1\"}]", poke.get("patch").toString());
            }
            assertEquals(Map.of(a, 1), Protocol.map(pokeA.get("lastMutationIDChanges")));
            assertEquals(Map.of(), Protocol.map(pokeB.get("lastMutationIDChanges")), "another group's ids stay private");

            socketB.send(pushFrame("gb", mutation(b, 1, "put", Map.of("key", "k", "value", "v2"))));
            for (TestSocket socket : List.of(socketA, socketB)) {
                JsonNode poke = socket.next();
                assertEquals(1, poke.get("baseCookie").asLong(), "the base is the cookie this socket was last sent");
                assertEquals(2, poke.get("cookie").asLong());
            }
        }
    }

    /**
     * Pokes are built once per base cookie (and per group whose clients changed) and shared by the room's event loops:
     * across a dozen sockets of three groups, each still gets exactly its own group's mutation ids, on its own base.
     */
    @Test
    void sharedPokesCarryOnlyEachSocketsOwnGroupsMutationIDs() {
        String space = space();
        List<String> groups = List.of("g-" + client(), "g-" + client(), "g-" + client());
        List<TestSocket> sockets = new java.util.ArrayList<>();
        Map<TestSocket, String> groupOf = new java.util.HashMap<>();
        Map<String, String> clientOf = new java.util.HashMap<>();
        try {
            for (int i = 0; i < 12; i++) {
                String group = groups.get(i % groups.size());
                String clientID = clientOf.computeIfAbsent(group, unused -> client());
                TestSocket socket = TestSocket.open(base, space);
                sockets.add(socket);
                groupOf.put(socket, group);
                assertEquals(0, socket.hello(clientID, group, null).get("cookie").asLong());
            }
            for (int round = 1; round <= groups.size(); round++) {
                String pusher = groups.get(round - 1);
                pushOk(space, pusher, mutation(clientOf.get(pusher), 1, "put", Map.of("key", "k" + round, "value", round)));
                for (TestSocket socket : sockets) {
                    JsonNode poke = socket.next();
                    assertEquals(round - 1, poke.get("baseCookie").asLong());
                    assertEquals(round, poke.get("cookie").asLong());
                    assertEquals("[{\"op\":\"put\",\"key\":\"k" + round + "\",\"value\":" + round + "}]",
                            poke.get("patch").toString());
                    Map<String, Object> expected = groupOf.get(socket).equals(pusher) ? Map.of(clientOf.get(pusher), 1)
                            : Map.of();
                    assertEquals(expected, Protocol.map(poke.get("lastMutationIDChanges")));
                }
            }
        } finally {
            sockets.forEach(TestSocket::close);
        }
    }

    @Test
    void anHttpPushPokesTheRoomAndOtherRoomsHearNothing() {
        String space = space();
        String other = space();
        String c1 = client();
        try (TestSocket socket = TestSocket.open(base, space); TestSocket elsewhere = TestSocket.open(base, other)) {
            socket.hello(client(), "g1", null);
            elsewhere.hello(client(), "g2", null);

            pushOk(space, "g3", mutation(c1, 1, "put", Map.of("key", "x", "value", true)));

            JsonNode poke = socket.next();
            assertEquals("[{\"op\":\"put\",\"key\":\"x\",\"value\":true}]", poke.get("patch").toString());
            elsewhere.expectNothingFor(QUIET);
        }
    }

    @Test
    void aSocketWithNothingNewGetsNoPoke() {
        String space = space();
        String a = client();
        try (TestSocket socketA = TestSocket.open(base, space); TestSocket socketB = TestSocket.open(base, space)) {
            socketA.hello(a, "ga", null);
            socketB.hello(client(), "gb", null);

            pushOk(space, "ga", mutation(a, 1, "noSuchMutator", Map.of()));

            JsonNode poke = socketA.next();
            assertEquals(Map.of(a, 1), Protocol.map(poke.get("lastMutationIDChanges")));
            assertEquals("[]", poke.get("patch").toString());
            socketB.expectNothingFor(QUIET);

            pushOk(space, "ga", mutation(a, 2, "put", Map.of("key", "k", "value", 1)));
            assertEquals(0, socketB.next().get("baseCookie").asLong(), "B's base is still the cookie it was sent");
        }
    }

    @Test
    void aPushThatFailsPokesNobody() {
        String failing = "rollback-" + space();
        String a = client();
        try (TestSocket socket = TestSocket.open(base, failing)) {
            socket.hello(a, "g1", null);
            socket.send(pushFrame("g1", mutation(a, 1, "increment", "n")));
            JsonNode error = socket.next();
            assertEquals("error", error.get("message").asText());
            assertEquals("InternalError", error.get("error").asText());
            socket.expectNothingFor(QUIET);
        }
    }

    @Test
    void aPullOverTheSocketIsAnsweredAndBecomesTheBase() {
        String space = space();
        String c1 = client();
        pushOk(space, "g1", mutation(c1, 1, "put", Map.of("key", "a", "value", 1)));
        try (TestSocket socket = TestSocket.open(base, space)) {
            socket.hello(c1, "g1", 1);
            pushOk(space, "g1", mutation(c1, 2, "put", Map.of("key", "b", "value", 2)));
            assertEquals(2, socket.next().get("cookie").asLong());

            socket.send(Map.of("messageType", "pull", "requestID", "r1", "cookie", 0));
            JsonNode reply = socket.next();
            assertEquals("pull", reply.get("message").asText());
            assertEquals("r1", reply.get("requestID").asText());
            assertEquals(2, reply.get("cookie").asLong());
            assertEquals(2, reply.get("patch").size());

            pushOk(space, "g1", mutation(c1, 3, "put", Map.of("key", "c", "value", 3)));
            JsonNode poke = socket.next();
            assertEquals(2, poke.get("baseCookie").asLong());
            assertEquals(3, poke.get("cookie").asLong());
        }
    }

    @Test
    void badFramesGetAnErrorAndTheSocketKeepsServing() {
        String space = space();
        String c1 = client();
        try (TestSocket socket = TestSocket.open(base, space)) {
            for (String frame : List.of("not json", "[1,2]", "{\"messageType\":\"dance\"}", "{}",
                    "{\"messageType\":\"pull\",\"requestID\":\"r\",\"cookie\":null}",
                    "{\"messageType\":\"push\",\"pushVersion\":1,\"clientGroupID\":\"g\",\"mutations\":[{\"id\":\"x\"}]}",
                    "{\"messageType\":\"push\",\"pushVersion\":1,\"clientGroupID\":\"g\"}")) {
                socket.sendText(frame);
                JsonNode error = socket.next();
                assertEquals("error", error.get("message").asText(), frame);
                assertTrue(error.hasNonNull("error") && error.hasNonNull("detail"), error.toString());
            }
            socket.send(Map.of("messageType", "push", "pushVersion", 2, "clientGroupID", "g", "mutations", List.of()));
            assertEquals("VersionNotSupported", socket.next().get("error").asText());

            assertEquals(0, socket.hello(c1, "g1", null).get("cookie").asLong(), "still serving");
        }
    }

    @Test
    void aBadHelloClosesTheSocketWith4400() {
        try (TestSocket socket = TestSocket.open(base, space())) {
            socket.send(Map.of("messageType", "hello", "clientGroupID", "g1"));
            assertEquals(4400, socket.closeCode());
        }
    }

    @Test
    void aHelloWhoseIdsCannotBeStoredClosesTheSocketWith4400() {
        try (TestSocket socket = TestSocket.open(base, space())) {
            socket.sendText("{\"messageType\":\"hello\",\"clientID\":\"c\",\"clientGroupID\":\"g\\u0000\",\"cookie\":null}");
            assertEquals(4400, socket.closeCode());
        }
    }

    @Test
    void aBadSpaceIDClosesTheSocketWith4400() {
        try (TestSocket socket = TestSocket.openRaw(base, "bad%20space")) {
            assertEquals(4400, socket.closeCode());
        }
    }

    @Test
    void aFrameOverTheLimitClosesTheSocketWith4009() {
        try (TestSocket socket = TestSocket.open(base, space())) {
            socket.sendText("\"" + "x".repeat(4 * 1024 * 1024) + "\"");
            assertEquals(4009, socket.closeCode());
        }
    }

    @Test
    void tooManyMessagesCloseTheSocketWith4008() {
        try (TestSocket socket = TestSocket.open(base, space())) {
            for (int i = 0; i < 300; i++) {
                socket.sendText("{\"messageType\":\"nothing\"}");
            }
            assertEquals(4008, socket.closeCode());
        }
    }

    @Test
    void roomsWithoutSocketsAreDropped() {
        String space = space();
        TestSocket first = TestSocket.open(base, space);
        TestSocket second = TestSocket.open(base, space);
        assertEquals(0, rooms.sockets().getOrDefault(space, 0), "a socket joins its room with its hello");
        first.hello(client(), "g1", null);
        second.hello(client(), "g2", null);
        await().atMost(Duration.ofSeconds(5)).until(() -> rooms.sockets().getOrDefault(space, 0) == 2);
        first.close();
        await().atMost(Duration.ofSeconds(5)).until(() -> rooms.sockets().getOrDefault(space, 0) == 1);
        second.close();
        await().atMost(Duration.ofSeconds(5)).until(() -> !rooms.sockets().containsKey(space));
    }
}
