package io.github.replicachequarkus.room;

import static io.github.replicachequarkus.testing.Protocol.client;
import static io.github.replicachequarkus.testing.Protocol.seedLarge;
import static io.github.replicachequarkus.testing.Protocol.space;
import static io.github.replicachequarkus.testing.RawSocket.maskedText;
import static io.github.replicachequarkus.testing.RawSocket.stalling;
import static io.github.replicachequarkus.testing.RawSocket.upgrade;
import static io.github.replicachequarkus.testing.Tokens.token;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.logging.Level;
import java.util.logging.LogRecord;

import org.junit.jupiter.api.Test;

import io.github.replicachequarkus.testing.AuthModes;
import io.github.replicachequarkus.testing.LogCapture;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;

/**
 * A socket that says hello on a large space and then reads nothing: it is closed once a part of the reply has waited
 * {@code replicache.room.write-timeout}, long before it would be for silence, and that is no error in the log.
 */
@QuarkusTest
@TestProfile(StalledSocketReaderTest.ShortDeadline.class)
class StalledSocketReaderTest {

    private static final int SEEDED = 12 << 20; // more than the sockets' buffers take

    public static class ShortDeadline implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return AuthModes.tokenMode(Map.of("replicache.room.write-timeout", "1s"));
        }
    }

    @TestHTTPResource("/")
    URI base;

    @Test
    void aSocketThatReadsNoneOfItsReplyIsCutOffAtTheDeadline() throws Exception {
        String space = space();
        seedLarge(space, token("writer", Map.of(space, "rw")), SEEDED);
        List<LogRecord> logged;
        try (LogCapture log = LogCapture.of("");
                Socket socket = stalling(base)) {
            OutputStream out = socket.getOutputStream();
            out.write(upgrade(space));
            out.write(maskedText("{\"messageType\":\"hello\",\"clientID\":\"" + client()
                    + "\",\"clientGroupID\":\"g-stalled\",\"cookie\":null,\"auth\":\"" + token("reader", Map.of(space, "r"))
                    + "\"}"));
            out.flush();
            Thread.sleep(5_000); // the reply is spooled and stalls, and the 1 s deadline passes; silence takes 50 s

            // The close frame waits behind what the server had written; once it is out, the server gives the client
            // Vert.x's closing timeout (10 s) to answer it, and then closes the connection.
            socket.setSoTimeout(200);
            long[] received = { 0 };
            assertTrue(closedWhileDraining(socket.getInputStream(), Duration.ofSeconds(25), received),
                    "the socket was closed, after " + received[0] + " bytes");
            assertTrue(received[0] < SEEDED, "before the reply was sent in full: " + received[0] + " bytes");
            logged = log.records();
        }
        assertEquals(List.of(), logged.stream().filter(record -> record.getLevel().intValue() >= Level.WARNING.intValue())
                .map(record -> record.getLoggerName() + ": " + LogCapture.message(record)).toList(),
                "a socket cut off is no warning or error");
    }

    /** Reads whatever comes until the connection is closed (true) or the limit passes (false), counting the bytes. */
    private static boolean closedWhileDraining(InputStream in, Duration limit, long[] received) throws IOException {
        long deadline = System.nanoTime() + limit.toNanos();
        byte[] buffer = new byte[64 * 1024];
        while (System.nanoTime() < deadline) {
            try {
                int n = in.read(buffer);
                if (n < 0) {
                    return true;
                }
                received[0] += n;
            } catch (SocketTimeoutException e) {
                // nothing yet
            } catch (IOException e) {
                return true; // reset by the server
            }
        }
        return false;
    }
}
