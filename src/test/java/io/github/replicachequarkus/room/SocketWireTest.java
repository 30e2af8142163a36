package io.github.replicachequarkus.room;

import static io.github.replicachequarkus.testing.Protocol.space;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.time.Duration;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;

import io.github.replicachequarkus.testing.TestSocket;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.websockets.next.OpenConnections;
import io.quarkus.websockets.next.WebSocketConnection;

/**
 * A room's frames go straight to the Vert.x socket behind each connection: if a Quarkus upgrade moves it out of reach,
 * the rooms still work (through {@code sendText}) but this fails, so that the slower path is a choice, not an accident.
 */
@QuarkusTest
class SocketWireTest {

    @TestHTTPResource("/")
    URI base;

    @Inject
    OpenConnections connections;

    @Test
    void aRoomSocketsFramesGoStraightToItsVertxSocket() {
        try (TestSocket socket = TestSocket.open(base, space())) {
            await().atMost(Duration.ofSeconds(5)).until(() -> connections.listAll().size() == 1);
            WebSocketConnection connection = connections.listAll().iterator().next();
            assertTrue(SocketWire.of(connection).direct(), "the wire reaches the connection's Vert.x socket");

            SocketWire.Frame frame = new SocketWire.Frame("{\"message\":\"ü\"}");
            assertEquals(16, frame.bytes().length, "UTF-8, encoded once for every socket the frame goes to");
            assertTrue(frame.bytes() == frame.bytes());
        }
    }
}
