package io.github.replicachequarkus.room;

import static io.github.replicachequarkus.testing.Protocol.client;
import static io.github.replicachequarkus.testing.Protocol.mutation;
import static io.github.replicachequarkus.testing.Protocol.pushOk;
import static io.github.replicachequarkus.testing.Protocol.space;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;

import io.github.replicachequarkus.testing.TestSocket;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;

/**
 * A hello's or pull's reply with a large patch comes in parts of bounded size, each marked {@code more} but the last,
 * all with the same cookies: the server never holds a whole large state to send it.
 */
@QuarkusTest
class LargeHelloTest {

    @TestHTTPResource("/")
    URI base;

    @Test
    void aLargeStateIsSentInBoundedPartsThatMakeTheWholeState() {
        String space = space();
        String big = "x".repeat(50_000);
        String writer = client();
        for (int id = 1; id <= 30; id++) {
            pushOk(space, "g-writer", mutation(writer, id, "put", Map.of("key", "k" + id, "value", big)));
        }
        try (TestSocket socket = TestSocket.open(base, space)) {
            Map<String, Object> hello = new HashMap<>();
            hello.put("messageType", "hello");
            hello.put("clientID", client());
            hello.put("clientGroupID", "g-" + client());
            hello.put("cookie", null);
            socket.send(hello);
            List<JsonNode> parts = parts(socket, "poke");
            assertTrue(parts.size() >= 4, "1.5 MB in parts of about 256 KB: " + parts.size());
            long cookie = parts.get(0).path("cookie").asLong();
            Set<String> keys = new TreeSet<>();
            for (JsonNode part : parts) {
                assertTrue(part.toString().length() < 400_000, "a part of bounded size");
                assertTrue(part.path("baseCookie").isNull());
                assertEquals(cookie, part.path("cookie").asLong(), "every part has the reply's cookie");
                part.path("patch").forEach(op -> keys.add(op.path("op").asText() + ":" + op.path("key").asText("")));
            }
            assertEquals("clear", parts.get(0).path("patch").path(0).path("op").asText());
            assertEquals(31, keys.size(), "clear and the 30 keys: " + keys);

            socket.send(Map.of("messageType", "pull", "requestID", "r1", "cookie", 0));
            List<JsonNode> pulled = parts(socket, "pull");
            assertTrue(pulled.size() >= 4);
            pulled.forEach(part -> assertEquals("r1", part.path("requestID").asText()));

            pushOk(space, "g-writer", mutation(writer, 31, "put", Map.of("key", "small", "value", 1)));
            JsonNode poke = socket.next();
            assertEquals(cookie, poke.path("baseCookie").asLong(), "the next poke starts from the reply's cookie");
            assertTrue(!poke.has("more"));
        }
    }

    /** The frames of one reply, up to and including the one without {@code more}. */
    private static List<JsonNode> parts(TestSocket socket, String message) {
        List<JsonNode> parts = new ArrayList<>();
        JsonNode frame;
        do {
            frame = socket.next();
            assertEquals(message, frame.path("message").asText(), frame.toString().substring(0, 200));
            parts.add(frame);
        } while (frame.path("more").asBoolean(false));
        return parts;
    }
}
