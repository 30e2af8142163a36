package io.github.replicachequarkus.room;

import static io.github.replicachequarkus.testing.Protocol.client;
import static io.github.replicachequarkus.testing.Protocol.space;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Predicate;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;

import io.github.replicachequarkus.testing.RandomCases;
import io.github.replicachequarkus.testing.RawHttp;
import io.github.replicachequarkus.testing.TestSocket;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;

/**
 * A socket's hellos and pull frames race the pokes its room sends after pushes: whatever the interleaving, the cookies
 * a socket receives never go down, and every poke but a hello's reply starts from the cookie the socket was last sent.
 */
@QuarkusTest
class SocketCookieRaceTest {

    @TestHTTPResource("/")
    URI base;

    @Test
    void helloAndPullRepliesNeverTakeASocketsCookieBack() {
        RandomCases.check("hellos and pulls racing pokes", 6, random -> {
            String space = space();
            String group = "g-" + client();
            String pusher = client();
            RawHttp http = new RawHttp(base);
            ExecutorService pushes = Executors.newSingleThreadExecutor();
            try (TestSocket socket = TestSocket.open(base, space)) {
                Wire wire = new Wire();
                wire.received(socket.hello(client(), group, null));
                Future<?> pushing = pushes.submit(() -> {
                    for (int id = 1; id <= 120; id++) {
                        RawHttp.Reply reply = http.post("/api/replicache/push", space, "{\"pushVersion\":1,"
                                + "\"clientGroupID\":\"g-" + pusher + "\",\"mutations\":[{\"clientID\":\"" + pusher
                                + "\",\"id\":" + id + ",\"name\":\"increment\",\"args\":\"n\",\"timestamp\":1}]}");
                        assertEquals(200, reply.status(), reply.body());
                    }
                });
                int requests = 0;
                while (!pushing.isDone()) {
                    Thread.sleep(25); // within the socket's message rate (50 a second), however fast the replies come
                    int roll = random.nextInt(10);
                    if (roll < 4) {
                        String requestID = "r" + ++requests;
                        socket.send(Map.of("messageType", "pull", "requestID", requestID, "cookie", wire.last));
                        wire.until(socket, frame -> requestID.equals(frame.path("requestID").asText()));
                    } else if (roll < 7 && wire.last > 2) {
                        wire.hello(socket, group, wire.last - 1 - random.nextInt(3)); // from behind: the changes since
                    } else if (roll < 8) {
                        wire.hello(socket, group, wire.last + 1000 + random.nextInt(3)); // from ahead: a reset
                    } else {
                        JsonNode frame = socket.poll(Duration.ofMillis(random.nextInt(5)));
                        if (frame != null) {
                            wire.received(frame);
                        }
                    }
                }
                pushing.get();
                JsonNode frame;
                while ((frame = socket.poll(Duration.ofMillis(300))) != null) {
                    wire.received(frame);
                }
            } finally {
                pushes.shutdownNow();
            }
        });
    }

    /** What the socket was sent, checked frame by frame. */
    private static final class Wire {
        long last = -1;
        final Deque<Long> pendingHellos = new ArrayDeque<>();
        final List<String> frames = new ArrayList<>();

        /** Says hello and takes frames until its reply. */
        void hello(TestSocket socket, String group, long cookie) {
            Map<String, Object> hello = new HashMap<>();
            hello.put("messageType", "hello");
            hello.put("clientID", client());
            hello.put("clientGroupID", group);
            hello.put("cookie", cookie);
            pendingHellos.add(cookie);
            socket.send(hello);
            until(socket, frame -> pendingHellos.isEmpty());
        }

        /** Takes frames until one (after it is checked) satisfies the condition. */
        void until(TestSocket socket, Predicate<JsonNode> answered) {
            JsonNode frame;
            do {
                frame = socket.next();
                received(frame);
            } while (!answered.test(frame));
        }

        void received(JsonNode frame) {
            frames.add(frame.toString());
            String message = frame.path("message").asText();
            assertTrue(message.equals("poke") || message.equals("pull"), () -> "unexpected " + recent());
            long cookie = frame.path("cookie").asLong(-1);
            assertTrue(cookie >= last, () -> "the cookie went back from " + last + ": " + recent());
            if (message.equals("poke") && last >= 0) {
                long base = frame.path("baseCookie").asLong(-1);
                if (base != last) {
                    // Only a hello's reply starts elsewhere: from the cookie that hello named (never the socket's own:
                    // hellos here name a cookie behind it, or far ahead of anything it was sent).
                    assertEquals(pendingHellos.peekFirst(), Long.valueOf(base), () -> "a poke from elsewhere: " + recent());
                    pendingHellos.removeFirst();
                } else {
                    assertTrue(cookie > base, () -> "a poke that does not move: " + recent());
                }
            }
            last = cookie;
        }

        private String recent() {
            return String.join("\n", frames.subList(Math.max(0, frames.size() - 6), frames.size()));
        }
    }
}
