package io.github.replicachequarkus.room;

import static io.github.replicachequarkus.testing.RandomCases.chance;
import static io.github.replicachequarkus.testing.RandomCases.oneOf;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.net.URI;
import java.net.http.WebSocketHandshakeException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletionException;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.github.replicachequarkus.testing.JsonFuzz;
import io.github.replicachequarkus.testing.RandomCases;
import io.github.replicachequarkus.testing.RawHttp;
import io.github.replicachequarkus.testing.Sentinel;
import io.github.replicachequarkus.testing.TestSocket;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;

/**
 * Malformed frames for a room: hellos, pushes and pulls mutated as {@code testing.JsonFuzz} does, frames that are not
 * JSON objects, binary frames, frames over the size limit. After each frame the socket must either answer a probe
 * (a pull with its own request id: the frame was handled and the socket still serves) or be closed with a documented
 * code (4400 bad hello, 4009 too big, 4008 too many); no frame may be answered with an internal error, and a sentinel
 * space must be unchanged afterwards.
 * <p>
 * The seed is fixed, so a run is repeatable; {@code -Dreplicache.fuzz.seed=S} tries others.
 */
@QuarkusTest
class RoomFuzzTest {

    private static final long SEED = 0x5eed_0002L;
    private static final ObjectMapper JSON = new ObjectMapper();
    /** Close codes a client may be sent for what it sent (docs/protocol.md, section Close codes). */
    private static final Set<Integer> DOCUMENTED = Set.of(4400, 4009, 4008);
    /** Frames on one socket before the next opens, well within its rate limit (a burst of 100 messages). */
    private static final int FRAMES_PER_SOCKET = 30;

    @TestHTTPResource("/")
    URI base;

    @Test
    void malformedFramesGetAnErrorOrADocumentedCloseAndTheRoomKeepsServing() {
        RawHttp http = new RawHttp(base);
        Sentinel sentinel = Sentinel.create(http);
        String space = "fuzz-room-" + UUID.randomUUID();
        Connection connection = new Connection(space);
        try {
            RandomCases.check("room fuzz", 1000, SEED, random -> {
                String frame = randomFrame(random, sentinel);
                connection.sendAndProbe(random, frame);
            });
        } finally {
            connection.close();
        }

        sentinel.assertUnchanged("the room fuzz");
        try (TestSocket socket = TestSocket.open(base, sentinel.space())) {
            assertEquals(3, socket.hello("watcher-" + UUID.randomUUID(), "watcher", null).get("patch").size(),
                    "the sentinel's room still serves: clear and its two keys");
        }
    }

    @Test
    void hostileSpaceIDsInThePathAreRefused() {
        Map<String, String> expected = new LinkedHashMap<>();
        Map<String, String> outcomes = new LinkedHashMap<>();
        for (String path : List.of("bad%20space", "%00", "x".repeat(65), "%F0%9F%98%80", "%C0%AF", "a%2Fb", "..", "a.b",
                "%E2%80%AE")) {
            // ".." leaves the room's path (what remains is served by nothing): the JSON 404 of any unknown path.
            expected.put(path, path.equals("..") ? "HTTP 404" : "close 4400");
            outcomes.put(path, refusal(path));
        }
        assertEquals(expected, outcomes, "a bad space id closes its socket with 4400 (docs/protocol.md, close codes)");
    }

    /**
     * How the server refused a socket to the path: {@code "close <code>"} when it closed the socket it opened, or
     * {@code "HTTP <status>"} when it refused the upgrade. A socket that fails without a close, or stays open, fails
     * the test.
     */
    private String refusal(String path) {
        TestSocket socket;
        try {
            socket = TestSocket.openRaw(base, path);
        } catch (CompletionException failed) {
            if (failed.getCause() instanceof WebSocketHandshakeException handshake) {
                return "HTTP " + handshake.getResponse().statusCode();
            }
            throw new AssertionError(path + ": the upgrade failed without an answer", failed);
        }
        try (socket) {
            return "close " + socket.closeCode(); // fails when the connection broke or nothing came within 10 s
        } catch (CompletionException broken) {
            throw new AssertionError(path + ": the socket was opened, then neither closed nor refused", broken);
        }
    }

    /** The fuzz's current socket, opened again whenever it is closed or has had its share of frames. */
    private final class Connection {
        private final String space;
        private TestSocket socket;
        private int frames;
        private int probes;
        private final List<String> sent = new ArrayList<>();

        Connection(String space) {
            this.space = space;
        }

        void sendAndProbe(Random random, String frame) {
            if (socket == null || frames >= FRAMES_PER_SOCKET) {
                reopen(random);
            }
            frames++;
            sent.add(frame.length() > 300 ? frame.substring(0, 300) + "... (" + frame.length() + " chars)" : frame);
            boolean sentOk = frame.startsWith("binary:") ? send(() -> socket.sendBinary(binary(random)))
                    : send(() -> socket.sendText(frame));
            if (!sentOk && socket.closeCodeNow() == null && !socket.closing()) {
                // Not the server: the client refused to send it (a text frame must be UTF-8, and the text held an
                // unpaired surrogate). Such a frame cannot reach the server; start afresh.
                sent.remove(sent.size() - 1);
                frames = FRAMES_PER_SOCKET;
                return;
            }
            String probe = "probe-" + ++probes;
            send(() -> socket.sendText("{\"messageType\":\"pull\",\"requestID\":\"" + probe + "\",\"cookie\":null}"));
            awaitProbeOrClose(probe);
        }

        /** Reads frames until the probe's reply; or the socket closed, which must be with a documented code. */
        private void awaitProbeOrClose(String probe) {
            long deadline = System.nanoTime() + Duration.ofSeconds(15).toNanos();
            while (System.nanoTime() < deadline) {
                JsonNode reply = socket.poll(Duration.ofMillis(50));
                if (reply != null) {
                    if ("error".equals(reply.path("message").asText())) {
                        String error = reply.path("error").asText();
                        assertTrue(!error.equals("InternalError") && !error.equals("Unavailable"), () -> failure(reply));
                    } else if (probe.equals(reply.path("requestID").asText())) {
                        return;
                    }
                    continue;
                }
                Integer code = socket.closeCodeNow();
                if (code != null) {
                    assertTrue(DOCUMENTED.contains(code), () -> failure("closed with " + code));
                    socket = null;
                    return;
                }
            }
            fail(failure("neither the probe's reply nor a close within 15 s"));
        }

        private void reopen(Random random) {
            close();
            socket = TestSocket.open(base, space);
            frames = 0;
            sent.clear();
            socket.hello("fuzz-" + UUID.randomUUID(), oneOf(random, "g1", "g2"), null); // the probes need a hello
        }

        void close() {
            if (socket != null) {
                socket.close();
                socket = null;
            }
        }

        private boolean send(Runnable sending) {
            try {
                sending.run();
                return true;
            } catch (CompletionException | IllegalStateException closed) {
                return false; // the server closed the socket meanwhile: the close code tells why
            }
        }

        private String failure(Object what) {
            return what + "\nafter these frames on socket to " + space + ":\n  " + String.join("\n  ",
                    sent.subList(Math.max(0, sent.size() - 8), sent.size()));
        }
    }

    private static byte[] binary(Random random) {
        byte[] data = new byte[random.nextInt(64)];
        random.nextBytes(data);
        return data;
    }

    private static String randomFrame(Random random, Sentinel sentinel) {
        int roll = random.nextInt(100);
        if (roll < 30) {
            return JsonFuzz.mutate(random, pushFrame(random, sentinel));
        } else if (roll < 48) {
            return JsonFuzz.mutate(random, pullFrame(random));
        } else if (roll < 60) {
            return JsonFuzz.mutate(random, helloFrame(random));
        } else if (roll < 70) {
            return JsonFuzz.hostileValue(random);
        } else if (roll < 75) {
            return "binary:";
        } else if (roll < 80) {
            ObjectNode push = pushFrame(random, sentinel);
            push.remove("messageType");
            return JsonFuzz.mutate(random, push);
        } else if (roll < 85) {
            return JsonFuzz.randomText(random);
        } else if (roll < 86 && random.nextBoolean()) {
            return "\"" + "x".repeat(4 * 1024 * 1024) + "\"";
        }
        return JsonFuzz.text(oneOf(random, pushFrame(random, sentinel), pullFrame(random), helloFrame(random)));
    }

    private static ObjectNode pushFrame(Random random, Sentinel sentinel) {
        ObjectNode push = JSON.createObjectNode().put("messageType", "push").put("pushVersion", 1)
                .put("clientGroupID", oneOf(random, "g1", "g2")).put("profileID", "p").put("schemaVersion", "");
        ArrayNode mutations = push.putArray("mutations");
        for (int i = random.nextInt(3); i > 0; i--) {
            mutations.addObject()
                    .put("clientID", chance(random, 0.3) ? sentinel.clientID() : "fuzz-room-client-" + random.nextInt(10))
                    .put("id", 1 + random.nextInt(5)).put("name", oneOf(random, "put", "remove", "increment", "nope"))
                    .put("timestamp", 1.0).set("args", JSON.createObjectNode().put("key", "k").put("value", 1));
        }
        return push;
    }

    private static ObjectNode pullFrame(Random random) {
        ObjectNode pull = JSON.createObjectNode().put("messageType", "pull").put("requestID", "r" + random.nextInt(100));
        return pull.set("cookie", cookie(random));
    }

    private static ObjectNode helloFrame(Random random) {
        ObjectNode hello = JSON.createObjectNode().put("messageType", "hello")
                .put("clientID", "fuzz-hello-" + random.nextInt(10)).put("clientGroupID", oneOf(random, "g1", "g2"));
        return hello.set("cookie", cookie(random));
    }

    private static JsonNode parse(String json) {
        try {
            return JSON.readTree(json);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException(json, e);
        }
    }

    /** Mostly a cookie a client could hold; now and then one from far ahead, or of a shape no server issues. */
    private static JsonNode cookie(Random random) {
        return switch (random.nextInt(4)) {
            case 0 -> JSON.nullNode();
            case 1 -> JSON.getNodeFactory().numberNode(random.nextInt(5));
            case 2 -> JSON.createObjectNode().put("order", 5 + random.nextInt(5)).put("version", random.nextInt(5));
            default -> parse(oneOf(random, "9007199254740990", "9007199254740991", "4503599627370497",
                    "-1", "1e300", "\"zzz\"", "\"" + "9".repeat(20) + "\"", "[]", "true",
                    "{\"order\":9007199254740990,\"version\":0}", "{\"order\":1,\"version\":7}", "{\"version\":3}"));
        };
    }
}
