package io.github.replicachequarkus.room;

import static io.github.replicachequarkus.testing.Protocol.client;
import static io.github.replicachequarkus.testing.Protocol.mutation;
import static io.github.replicachequarkus.testing.Protocol.pushOk;
import static io.github.replicachequarkus.testing.Protocol.space;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;

import io.github.replicachequarkus.testing.Protocol;
import io.github.replicachequarkus.testing.TestSocket;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;

/**
 * Hellos that come together share their reads (a room's sockets reconnecting after a deploy): each socket must still get
 * exactly what a pull of its own would, never a reply computed for another cookie or another group's last mutation ids.
 */
@QuarkusTest
class SharedHellosTest {

    @TestHTTPResource("/")
    URI base;

    private record Hello(String clientID, String clientGroupID, Object cookie) {
    }

    @Test
    void concurrentHellosOfManyCookiesAndGroupsEachGetWhatAPullOfTheirOwnGets() throws Exception {
        String space = space();
        String c1 = client();
        String c2 = client();
        for (int i = 1; i <= 5; i++) {
            pushOk(space, "g1", mutation(c1, i, "put", Map.of("key", "a" + i, "value", i)));
        }
        pushOk(space, "g2", mutation(c2, 1, "put", Map.of("key", "b", "value", "two")));
        pushOk(space, "g2", mutation(c2, 2, "remove", "a2"));
        long version = Protocol.version(space);
        List<Object> cookies = new ArrayList<>(List.of(2, 4, 6));
        cookies.add(0, null);
        cookies.add(version);
        List<Hello> hellos = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            String group = List.of("g1", "g2", "g3", "g1").get(i % 4);
            String clientID = group.equals("g1") ? c1 : group.equals("g2") ? c2 : "c3-" + i;
            hellos.add(new Hello(clientID, group, cookies.get(i % cookies.size())));
        }

        List<JsonNode> replies = helloTogether(space, hellos);

        for (int i = 0; i < hellos.size(); i++) {
            Hello hello = hellos.get(i);
            JsonNode reply = replies.get(i);
            JsonPath alone = Protocol.pullOk(space, hello.clientGroupID(), hello.cookie());
            String what = "socket " + i + " " + hello + ": " + reply;
            assertEquals(String.valueOf(hello.cookie()), reply.get("baseCookie").asText(), what);
            assertEquals(alone.getLong("cookie"), reply.get("cookie").asLong(), what);
            assertEquals(alone.getMap("lastMutationIDChanges"), Protocol.map(reply.get("lastMutationIDChanges")), what);
            assertEquals(alone.getList("patch"), TestSocket.json(reply.get("patch")), what);
        }
    }

    @Test
    void aReplysLastMutationIDsNeverRunAheadOfItsPatchWhilePushesCommit() throws Exception {
        String space = space();
        int writers = 4;
        AtomicBoolean writing = new AtomicBoolean(true);
        AtomicLong pushed = new AtomicLong();
        ExecutorService pushers = Executors.newFixedThreadPool(writers);
        List<Future<?>> pushes = new ArrayList<>();
        for (int w = 0; w < writers; w++) {
            String group = "gw" + w;
            String writer = "w" + w;
            pushes.add(pushers.submit(() -> {
                for (long id = 1; writing.get(); id++) {
                    pushOk(space, group, mutation(writer, id, "put", Map.of("key", writer + "-" + id, "value", id)));
                    pushed.incrementAndGet();
                }
            }));
        }
        try {
            for (int round = 0; round < 15; round++) {
                List<Hello> hellos = new ArrayList<>();
                for (int i = 0; i < 16; i++) {
                    hellos.add(new Hello("w" + (i % writers), "gw" + (i % writers), null));
                }
                List<JsonNode> replies = helloTogether(space, hellos);
                for (int i = 0; i < replies.size(); i++) {
                    JsonNode reply = replies.get(i);
                    String writer = hellos.get(i).clientID();
                    long confirmed = reply.path("lastMutationIDChanges").path(writer).asLong(0);
                    Set<String> keys = new HashSet<>();
                    reply.get("patch").forEach(op -> {
                        if (op.path("op").asText().equals("put") && op.get("key").asText().startsWith(writer + "-")) {
                            keys.add(op.get("key").asText());
                        }
                    });
                    Set<String> expected = new HashSet<>();
                    for (long id = 1; id <= confirmed; id++) {
                        expected.add(writer + "-" + id);
                    }
                    assertEquals(expected, keys, "the patch holds exactly the writes of " + writer
                            + " its last mutation id confirms: " + reply);
                }
            }
        } finally {
            writing.set(false);
            for (Future<?> push : pushes) {
                push.get(30, TimeUnit.SECONDS);
            }
            pushers.shutdownNow();
        }
        assertTrue(pushed.get() >= 2 * writers, "pushes committed while the hellos were read: " + pushed.get());
    }

    /** Opens a socket per hello, then says every hello at once; the replies, in order. */
    private List<JsonNode> helloTogether(String space, List<Hello> hellos) throws Exception {
        List<TestSocket> sockets = new ArrayList<>();
        ExecutorService threads = Executors.newFixedThreadPool(hellos.size());
        try {
            for (int i = 0; i < hellos.size(); i++) {
                sockets.add(TestSocket.open(base, space));
            }
            CountDownLatch start = new CountDownLatch(1);
            List<Future<JsonNode>> replies = new ArrayList<>();
            for (int i = 0; i < hellos.size(); i++) {
                TestSocket socket = sockets.get(i);
                Hello hello = hellos.get(i);
                replies.add(threads.submit(() -> {
                    start.await();
                    return socket.hello(hello.clientID(), hello.clientGroupID(), hello.cookie());
                }));
            }
            start.countDown();
            List<JsonNode> answered = new ArrayList<>();
            for (Future<JsonNode> reply : replies) {
                answered.add(reply.get(30, TimeUnit.SECONDS));
            }
            return answered;
        } finally {
            sockets.forEach(TestSocket::close);
            threads.shutdownNow();
        }
    }
}
