package io.github.replicachequarkus.sync;

import static io.github.replicachequarkus.testing.Protocol.space;
import static io.github.replicachequarkus.testing.Tokens.token;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Properties;

import org.junit.jupiter.api.Test;

import io.github.replicachequarkus.testing.AuthModes;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;

/** Clients that hold connections without using them: a stalled request is cut off, and poke streams are bounded. */
@QuarkusTest
@TestProfile(SlowClientTest.Tight.class)
class SlowClientTest {

    public static class Tight implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            Map<String, String> config = new HashMap<>();
            config.put("quarkus.http.idle-timeout", "2s");
            config.put("replicache.sync.max-poke-streams-per-user", "2");
            config.put("replicache.sync.poke-heartbeat", "1s");
            return AuthModes.tokenMode(config);
        }
    }

    @TestHTTPResource("/")
    URI base;

    @Test
    void theDeploymentCutsIdleConnectionsWithinMinutes() throws IOException {
        Properties application = new Properties();
        try (InputStream in = Files.newInputStream(Path.of("src/main/resources/application.properties"))) {
            application.load(in);
        }
        String idle = application.getProperty("quarkus.http.idle-timeout");
        assertTrue(idle != null && Duration.parse("PT" + idle.toUpperCase()).toSeconds() <= 120,
                "quarkus.http.idle-timeout is " + idle + " (Quarkus's own default: 30 minutes)");
    }

    @Test
    void aRequestStalledInItsHeadersIsCutOff() throws IOException {
        try (Socket socket = new Socket(base.getHost(), base.getPort())) {
            socket.getOutputStream().write("POST /api/replicache/pull?spaceID=s HTTP/1.1\r\nHost: local"
                    .getBytes(StandardCharsets.US_ASCII));
            socket.setSoTimeout(15_000);
            long start = System.nanoTime();
            try {
                assertEquals(-1, socket.getInputStream().read(), "closed without an answer");
            } catch (SocketTimeoutException e) {
                throw new AssertionError("the stalled connection was still open after 15 s", e);
            } catch (IOException e) {
                // reset: closed too
            }
            assertTrue(System.nanoTime() - start >= 1_000_000_000L, "after the idle timeout, not at once");
        }
    }

    @Test
    void aUserHoldsABoundedNumberOfPokeStreams() throws IOException {
        String space = space();
        String user = token("listener", Map.of(space, "r"));
        try (Socket first = listen(space, user); Socket second = listen(space, user)) {
            assertTrue(status(first).startsWith("HTTP/1.1 200"));
            assertTrue(status(second).startsWith("HTTP/1.1 200"));
            try (Socket third = listen(space, user)) {
                assertTrue(status(third).startsWith("HTTP/1.1 429"), "a third stream of one user");
            }
            try (Socket other = listen(space, token("someone-else", Map.of(space, "r")))) {
                assertTrue(status(other).startsWith("HTTP/1.1 200"), "another user is not held back");
            }
        }
        // The streams closed: the user may listen again (the server notices a closed stream at its next beat).
        long deadline = System.nanoTime() + 10_000_000_000L;
        String again;
        do {
            try (Socket socket = listen(space, user)) {
                again = status(socket);
            }
        } while (!again.startsWith("HTTP/1.1 200") && System.nanoTime() < deadline);
        assertTrue(again.startsWith("HTTP/1.1 200"), again);
    }

    private Socket listen(String space, String token) throws IOException {
        Socket socket = new Socket(base.getHost(), base.getPort());
        socket.setSoTimeout(5_000);
        socket.getOutputStream().write(("GET /api/replicache/poke?spaceID=" + space + " HTTP/1.1\r\nHost: localhost\r\n"
                + "Accept: text/event-stream\r\nAuthorization: Bearer " + token + "\r\n\r\n")
                .getBytes(StandardCharsets.US_ASCII));
        return socket;
    }

    private static String status(Socket socket) throws IOException {
        InputStream in = socket.getInputStream();
        StringBuilder line = new StringBuilder();
        for (int b = in.read(); b >= 0 && b != '\n'; b = in.read()) {
            line.append((char) b);
        }
        return line.toString().strip();
    }
}
