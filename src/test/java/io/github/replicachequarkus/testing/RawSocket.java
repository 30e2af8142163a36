package io.github.replicachequarkus.testing;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.UUID;

/**
 * A client written byte by byte, for what a well-behaved client never does: stop reading, fall silent, send half a
 * request. What it needs of HTTP and of WebSocket framing is here.
 */
public final class RawSocket {

    private RawSocket() {
    }

    /** A connection to the server with a tiny receive buffer: what it does not read backs up to the server at once. */
    public static Socket stalling(URI base) throws IOException {
        Socket socket = new Socket();
        socket.setReceiveBufferSize(4096);
        socket.connect(new InetSocketAddress(base.getHost(), base.getPort()));
        return socket;
    }

    /**
     * A whole-state pull of the space, with any further header lines ({@code "Name: value"}), sent on a
     * {@link #stalling} connection of which nothing is read: the reply backs up to the server.
     */
    public static Socket stalledPull(URI base, String space, String... headers) throws IOException {
        Socket socket = stalling(base);
        String body = "{\"pullVersion\":1,\"clientGroupID\":\"g-" + UUID.randomUUID() + "\",\"cookie\":null}";
        StringBuilder request = new StringBuilder("POST /api/replicache/pull?spaceID=" + space + " HTTP/1.1\r\n"
                + "Host: localhost\r\nContent-Type: application/json\r\nContent-Length: " + body.length() + "\r\n");
        for (String header : headers) {
            request.append(header).append("\r\n");
        }
        socket.getOutputStream().write(request.append("\r\n").append(body).toString().getBytes(StandardCharsets.US_ASCII));
        return socket;
    }

    /** Reads the reply's status line, and no more (within 10 s). */
    public static String statusLine(Socket socket) throws IOException {
        socket.setSoTimeout(10_000);
        InputStream in = socket.getInputStream();
        StringBuilder status = new StringBuilder();
        for (int b = in.read(); b >= 0 && b != '\n'; b = in.read()) {
            status.append((char) b);
        }
        return status.toString().strip();
    }

    /** The upgrade request to the space's room, with any further header lines ({@code "Name: value"}). */
    public static byte[] upgrade(String space, String... headers) {
        StringBuilder request = new StringBuilder("GET /api/replicache/websocket/" + space + " HTTP/1.1\r\n"
                + "Host: localhost\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n");
        for (String header : headers) {
            request.append(header).append("\r\n");
        }
        return request.append("\r\n").toString().getBytes(StandardCharsets.US_ASCII);
    }

    /** A client's text frame: final, masked (with a zero mask, which leaves the payload as it is). */
    public static byte[] maskedText(String text) {
        byte[] payload = text.getBytes(StandardCharsets.UTF_8);
        assertTrue(payload.length < 65_536);
        byte[] frame = new byte[payload.length + (payload.length < 126 ? 6 : 8)];
        int at = 0;
        frame[at++] = (byte) 0x81;
        if (payload.length < 126) {
            frame[at++] = (byte) (0x80 | payload.length);
        } else {
            frame[at++] = (byte) (0x80 | 126);
            frame[at++] = (byte) (payload.length >> 8);
            frame[at++] = (byte) payload.length;
        }
        at += 4; // the mask: zeros
        System.arraycopy(payload, 0, frame, at, payload.length);
        return frame;
    }
}
