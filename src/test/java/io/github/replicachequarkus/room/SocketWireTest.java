package io.github.replicachequarkus.room;

import static io.github.replicachequarkus.testing.Protocol.space;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;

import io.github.replicachequarkus.testing.TestSocket;
import io.netty.buffer.ByteBuf;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.websockets.next.OpenConnections;
import io.quarkus.websockets.next.WebSocketConnection;

/**
 * A room's frames, encoded once, go straight to the Netty channel behind each connection from its event loop: if a
 * Quarkus or Vert.x upgrade moves it out of reach, the rooms still work (through a slower path) but this fails, so that
 * the slower path is a choice, not an accident. The frames written that way arrive whole, in the three sizes of a
 * frame's length field, and keep their order with those written from another thread (through Vert.x's socket).
 */
@QuarkusTest
class SocketWireTest {

    @TestHTTPResource("/")
    URI base;

    @Inject
    OpenConnections connections;

    @Test
    void aRoomSocketsFramesGoStraightToItsNettyChannelAndArriveWhole() throws Exception {
        try (TestSocket socket = TestSocket.open(base, space())) {
            await().atMost(Duration.ofSeconds(5)).until(() -> connections.listAll().size() == 1);
            WebSocketConnection connection = connections.listAll().iterator().next();
            SocketWire wire = SocketWire.of(connection);
            assertTrue(wire.direct(), "the wire reaches the connection's Netty channel");

            List<String> texts = List.of(text(10), text(300), text(70_000), text(125 - 25), text(0xFFFF));
            CompletableFuture<Void> written = new CompletableFuture<>();
            wire.loop().execute(() -> {
                for (String text : texts.subList(0, 3)) {
                    wire.write(new SocketWire.Frame(text), failure -> {
                        if (failure != null) {
                            written.completeExceptionally(failure);
                        }
                    });
                }
                written.complete(null);
            });
            written.get(5, TimeUnit.SECONDS);
            for (String text : texts.subList(3, 5)) {
                wire.write(new SocketWire.Frame(text), failure -> { // from this thread: through Vert.x's socket
                });
            }
            for (String text : texts) {
                assertEquals(text, socket.next().toString());
            }
        }
    }

    @Test
    void aFrameIsEncodedOnceWithTheLengthFieldItsSizeNeeds() {
        SocketWire.Frame small = new SocketWire.Frame("{\"message\":\"ü\"}");
        assertTrue(small.encoded() == small.encoded(), "encoded once for every socket the frame goes to");
        assertArrayEquals(new byte[] { (byte) 0x81, 16 }, Arrays.copyOf(small.encoded(), 2), "final text frame, 7-bit length");
        assertArrayEquals("{\"message\":\"ü\"}".getBytes(StandardCharsets.UTF_8),
                Arrays.copyOfRange(small.encoded(), 2, 18), "unmasked UTF-8 payload");
        assertEquals(18, small.encoded().length);

        byte[] medium = new SocketWire.Frame("x".repeat(126)).encoded();
        assertArrayEquals(new byte[] { (byte) 0x81, 126, 0, 126 }, Arrays.copyOf(medium, 4), "16-bit length from 126");
        assertEquals(4 + 126, medium.length);

        byte[] large = new SocketWire.Frame("x".repeat(65_536)).encoded();
        assertArrayEquals(new byte[] { (byte) 0x81, 127, 0, 0, 0, 0, 0, 1, 0, 0 }, Arrays.copyOf(large, 10),
                "64-bit length from 65,536");
        assertEquals(10 + 65_536, large.length);
    }

    @Test
    void anEncodedFrameStillReadsBackItsTextAndPayloadInEveryLengthForm() {
        for (int size : new int[] { 20, 125, 126, 65_535, 65_536, 300_000 }) {
            String text = text(size);
            SocketWire.Frame frame = new SocketWire.Frame(text);
            assertEquals(text.length(), frame.length());
            byte[] encoded = frame.encoded();
            assertEquals(text, frame.text(), "the text, read back from the encoded frame, at " + size);
            assertEquals(text.length(), frame.length(), "its length, as counted against a socket's queue");
            ByteBuf payload = frame.payload();
            byte[] utf8 = text.getBytes(StandardCharsets.UTF_8);
            assertEquals(utf8.length, payload.readableBytes(), "the payload is the frame without its header");
            byte[] read = new byte[payload.readableBytes()];
            payload.getBytes(payload.readerIndex(), read);
            assertArrayEquals(utf8, read);
            assertTrue(encoded == frame.encoded(), "the payload is a view of the frame encoded once");
        }
        SocketWire.Frame unencoded = new SocketWire.Frame(text(40));
        assertEquals(text(40), unencoded.text(), "before it is encoded, its own text");
    }

    /** A JSON frame of about {@code size} bytes, with a character that takes two. */
    private static String text(int size) {
        return "{\"message\":\"wire\",\"pad\":\"ü" + "x".repeat(Math.max(0, size - 25)) + "\"}";
    }
}
