package io.github.replicachequarkus.room;

import static io.github.replicachequarkus.testing.Protocol.client;
import static io.github.replicachequarkus.testing.Protocol.space;
import static io.github.replicachequarkus.testing.RawSocket.maskedText;
import static io.github.replicachequarkus.testing.RawSocket.upgrade;
import static io.github.replicachequarkus.testing.Tokens.token;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;

import io.github.replicachequarkus.testing.AuthModes;
import io.github.replicachequarkus.testing.TestSocket;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;

/**
 * Who gets a place in a room, and for how long: a socket takes none until its hello is authorised, is closed when it
 * says no hello in time or its client falls silent, and users and addresses hold a bounded number of sockets.
 */
@QuarkusTest
@TestProfile(RoomAdmissionTest.Tight.class)
class RoomAdmissionTest {

    /** The address header the tests set, standing in for a trusted proxy's. */
    private static final String ADDRESS = "X-Test-Client-Address";

    public static class Tight implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            Map<String, String> config = new HashMap<>();
            config.put("replicache.room.max-sockets-per-room", "2");
            config.put("replicache.room.max-sockets-per-user", "3");
            config.put("replicache.room.max-sockets-per-address", "3");
            config.put("replicache.room.client-address-header", ADDRESS);
            config.put("replicache.room.max-hello-size", "2K");
            config.put("replicache.room.hello-timeout", "2s");
            config.put("replicache.room.idle-timeout", "3s");
            config.put("quarkus.websockets-next.server.auto-ping-interval", "500ms");
            return AuthModes.tokenMode(config);
        }
    }

    @TestHTTPResource("/")
    URI base;

    @Test
    void socketsThatSaidNoHelloTakeNoPlaceInTheRoom() {
        String space = space();
        List<TestSocket> opened = new ArrayList<>();
        try {
            for (int i = 0; i < 3; i++) {
                opened.add(open(space, "10.0.1." + i)); // anonymous: no hello
            }
            TestSocket first = open(space, "10.0.2.1");
            TestSocket second = open(space, "10.0.2.2");
            TestSocket third = open(space, "10.0.2.3");
            opened.addAll(List.of(first, second, third));
            first.hello(client(), "g1", null, reader(space, "u1"));
            second.hello(client(), "g2", null, reader(space, "u2"));
            third.send(hello(reader(space, "u3")));
            assertEquals(1013, third.closeCode(), "the room holds two authorised sockets, whatever else is open");
        } finally {
            opened.forEach(TestSocket::close);
        }
    }

    @Test
    void aSocketThatSaysNoHelloIsClosedInTime() {
        try (TestSocket socket = open(space(), "10.0.3.1")) {
            long start = System.nanoTime();
            assertEquals(4400, socket.closeCode());
            long waited = Duration.ofNanos(System.nanoTime() - start).toMillis();
            assertTrue(waited >= 1_000, "closed after the hello timeout, not at once: " + waited + " ms");
        }
    }

    @Test
    void aSocketWhoseClientFallsSilentIsClosedAndOneThatAnswersPingsStays() throws IOException {
        String space = space();
        try (TestSocket live = open(space, "10.0.4.1"); Socket silent = new Socket(base.getHost(), base.getPort())) {
            live.hello(client(), "g-live", null, reader(space, "u-live"));
            // A client that upgrades and then never reads again, nor answers a ping.
            OutputStream out = silent.getOutputStream();
            out.write(upgrade(space, ADDRESS + ": 10.0.4.2"));
            out.flush();
            String headers = readHeaders(silent.getInputStream());
            assertTrue(headers.startsWith("HTTP/1.1 101"), headers);
            // It would be closed for saying no hello within 2 s anyway: say one, then fall silent.
            out.write(maskedText("{\"messageType\":\"hello\",\"clientID\":\"" + client() + "\",\"clientGroupID\":\"g-s\","
                    + "\"cookie\":null,\"auth\":\"" + reader(space, "u-silent") + "\"}"));
            out.flush();
            long start = System.nanoTime();
            assertTrue(closedWithin(silent, Duration.ofSeconds(15)), "the silent client's connection was closed");
            long waited = Duration.ofNanos(System.nanoTime() - start).toMillis();
            assertTrue(waited >= 2_000, "after the idle timeout, not at once: " + waited + " ms");
            assertNull(live.closeCodeNow(), "the client that answers pings stays");
        }
    }

    @Test
    void aUserHoldsABoundedNumberOfSockets() {
        List<TestSocket> opened = new ArrayList<>();
        try {
            for (int i = 0; i < 3; i++) {
                String space = space();
                TestSocket socket = open(space, "10.0.5." + i);
                opened.add(socket);
                socket.hello(client(), "g" + i, null, reader(space, "heavy-user"));
            }
            String space = space();
            TestSocket fourth = open(space, "10.0.5.9");
            opened.add(fourth);
            fourth.send(hello(reader(space, "heavy-user")));
            assertEquals(1013, fourth.closeCode());

            opened.get(0).close();
            await().atMost(Duration.ofSeconds(10)).until(() -> {
                try (TestSocket again = open(space, "10.0.5.10")) {
                    again.send(hello(reader(space, "heavy-user")));
                    JsonNode reply = again.poll(Duration.ofSeconds(2));
                    return reply != null && "poke".equals(reply.path("message").asText());
                }
            });
        } finally {
            opened.forEach(TestSocket::close);
        }
    }

    @Test
    void anAddressHoldsABoundedNumberOfSockets() {
        String space = space();
        List<TestSocket> opened = new ArrayList<>();
        try {
            for (int i = 0; i < 3; i++) {
                opened.add(open(space, "10.0.6.1"));
            }
            try (TestSocket fourth = TestSocket.openRawWithHeader(base, space, ADDRESS, "10.0.6.1")) {
                assertEquals(1013, fourth.closeCode(), "a fourth socket from one address");
            }
            try (TestSocket elsewhere = open(space, "10.0.6.2")) {
                assertNull(elsewhere.closeCodeNow(), "another address is not held back");
            }
        } finally {
            opened.forEach(TestSocket::close);
        }
    }

    @Test
    void beforeItsHelloASocketMaySendOnlySmallFrames() {
        String space = space();
        try (TestSocket anonymous = open(space, "10.0.7.1")) {
            anonymous.sendText("{\"messageType\":\"nothing\",\"padding\":\"" + "x".repeat(3_000) + "\"}");
            assertEquals(4009, anonymous.closeCode());
        }
        try (TestSocket known = open(space, "10.0.7.2")) {
            known.hello(client(), "g", null, reader(space, "u7"));
            known.sendText("{\"messageType\":\"nothing\",\"padding\":\"" + "x".repeat(3_000) + "\"}");
            assertEquals("error", known.next().path("message").asText(), "after its hello, the room's own limit");
        }
    }

    @Test
    void aSocketsUserCannotChange() {
        String space = space();
        try (TestSocket socket = open(space, "10.0.8.1")) {
            socket.hello(client(), "g", null, reader(space, "first"));
            socket.send(hello(reader(space, "second")));
            assertEquals(4403, socket.closeCode());
        }
    }

    private TestSocket open(String space, String address) {
        return TestSocket.openWithHeader(base, space, ADDRESS, address);
    }

    private static String reader(String space, String user) {
        return token(user, Map.of(space, "r"));
    }

    private static Map<String, Object> hello(String auth) {
        Map<String, Object> hello = new HashMap<>();
        hello.put("messageType", "hello");
        hello.put("clientID", client());
        hello.put("clientGroupID", "g-" + client());
        hello.put("cookie", null);
        hello.put("auth", auth);
        return hello;
    }

    private static String readHeaders(InputStream in) throws IOException {
        StringBuilder headers = new StringBuilder();
        while (!headers.toString().endsWith("\r\n\r\n")) {
            int b = in.read();
            if (b < 0) {
                break;
            }
            headers.append((char) b);
        }
        return headers.toString();
    }

    /**
     * Reads what the server sends (pings, which it never answers) until the server closes the WebSocket (a close
     * frame) or the connection.
     */
    private static boolean closedWithin(Socket socket, Duration limit) throws IOException {
        long deadline = System.nanoTime() + limit.toNanos();
        socket.setSoTimeout(200);
        InputStream in = socket.getInputStream();
        while (System.nanoTime() < deadline) {
            try {
                int first = in.read();
                int second = in.read();
                if (first < 0 || second < 0) {
                    return true;
                }
                if ((first & 0x0F) == 0x8) {
                    return true; // a close frame
                }
                in.readNBytes(second & 0x7F); // a ping's payload (the server's control frames are short)
            } catch (SocketTimeoutException e) {
                // nothing yet
            } catch (IOException e) {
                return true; // reset by the server
            }
        }
        return false;
    }
}
