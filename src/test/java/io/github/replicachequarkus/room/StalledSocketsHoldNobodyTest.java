package io.github.replicachequarkus.room;

import static io.github.replicachequarkus.testing.Protocol.client;
import static io.github.replicachequarkus.testing.Protocol.seedLarge;
import static io.github.replicachequarkus.testing.Protocol.space;
import static io.github.replicachequarkus.testing.RawSocket.maskedText;
import static io.github.replicachequarkus.testing.RawSocket.stalling;
import static io.github.replicachequarkus.testing.RawSocket.upgrade;
import static io.github.replicachequarkus.testing.Tokens.token;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.util.ArrayList;
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
 * Sockets that say hello on a large space and read none of the reply wait, each on its own, for their write deadline:
 * meanwhile every other socket of the machine is answered as usual.
 */
@QuarkusTest
@TestProfile(StalledSocketsHoldNobodyTest.LongDeadline.class)
class StalledSocketsHoldNobodyTest {

    private static final int STALLED = 8;

    public static class LongDeadline implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return AuthModes.tokenMode(Map.of("replicache.room.write-timeout", "60s"));
        }
    }

    @TestHTTPResource("/")
    URI base;

    @Test
    void otherSocketsAreAnsweredWhileStalledOnesWait() throws Exception {
        String large = space();
        seedLarge(large, token("writer", Map.of(large, "rw")), 8 << 20);
        List<Socket> stalled = new ArrayList<>();
        try {
            for (int i = 0; i < STALLED; i++) {
                stalled.add(stalledHello(large));
            }
            Thread.sleep(2_000); // their replies are spooled and stuck

            String small = space();
            String reader = token("reader", Map.of(small, "rw"));
            for (int i = 0; i < 4; i++) {
                try (TestSocket socket = TestSocket.open(base, small)) {
                    // TestSocket waits 10 s for the reply: a tenth of the stalled sockets' write deadline
                    JsonNode reply = socket.hello(client(), "g-" + client(), null, reader);
                    assertEquals("poke", reply.path("message").asText(), reply.toString());
                }
            }
        } finally {
            for (Socket socket : stalled) {
                socket.close();
            }
        }
    }

    /** A socket that says hello on the space, with a tiny receive buffer, and never reads. */
    private Socket stalledHello(String space) throws Exception {
        Socket socket = stalling(base);
        OutputStream out = socket.getOutputStream();
        out.write(upgrade(space));
        out.write(maskedText("{\"messageType\":\"hello\",\"clientID\":\"" + client()
                + "\",\"clientGroupID\":\"g-stalled-" + client() + "\",\"cookie\":null,\"auth\":\""
                + token("stalled", Map.of(space, "r")) + "\"}"));
        out.flush();
        return socket;
    }
}
