package io.github.replicachequarkus.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * A WebSocket client for tests: every frame received goes into a queue, and the close code is kept. Presence and
 * broadcast frames, which come beside the sync frames at their own pace, go into a queue of their own
 * ({@link #nextEvent}), so that tests of syncing see only syncing.
 */
public final class TestSocket implements WebSocket.Listener, AutoCloseable {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final LinkedBlockingQueue<JsonNode> frames = new LinkedBlockingQueue<>();
    private final LinkedBlockingQueue<JsonNode> events = new LinkedBlockingQueue<>();
    private final CompletableFuture<Integer> closed = new CompletableFuture<>();
    private final StringBuilder partial = new StringBuilder();
    private final WebSocket socket;

    private TestSocket(URI uri) {
        this(uri, Map.of());
    }

    private TestSocket(URI uri, Map<String, String> headers) {
        WebSocket.Builder builder = HttpClient.newHttpClient().newWebSocketBuilder();
        headers.forEach(builder::header);
        this.socket = builder.buildAsync(uri, this).join();
    }

    /** Opens a socket with an extra request header, and checks the greeting. */
    public static TestSocket openWithHeader(URI base, String spaceID, String header, String value) {
        TestSocket socket = new TestSocket(URI.create(base.toString().replaceFirst("^http", "ws").replaceFirst("/$", "")
                + "/api/replicache/websocket/" + spaceID), Map.of(header, value));
        assertEquals("hello", socket.next().path("data").asText(), "the greeting comes first");
        return socket;
    }

    /** Opens a socket to the space's room and checks the greeting. */
    public static TestSocket open(URI base, String spaceID) {
        TestSocket socket = new TestSocket(URI.create(base.toString().replaceFirst("^http", "ws").replaceFirst("/$", "")
                + "/api/replicache/websocket/" + spaceID));
        assertEquals("hello", socket.next().path("data").asText(), "the greeting comes first");
        return socket;
    }

    /** Opens a socket with an extra request header, without waiting for the greeting. */
    public static TestSocket openRawWithHeader(URI base, String spaceID, String header, String value) {
        return new TestSocket(URI.create(base.toString().replaceFirst("^http", "ws").replaceFirst("/$", "")
                + "/api/replicache/websocket/" + spaceID), Map.of(header, value));
    }

    public static TestSocket openRaw(URI base, String spaceID) {
        return new TestSocket(URI.create(base.toString().replaceFirst("^http", "ws").replaceFirst("/$", "")
                + "/api/replicache/websocket/" + spaceID));
    }

    /** Tries an upgrade that the server must refuse, and returns its answer (status and headers). */
    public static java.net.http.HttpResponse<?> refusedUpgrade(URI base, String spaceID, Map<String, String> headers) {
        WebSocket.Builder builder = HttpClient.newHttpClient().newWebSocketBuilder();
        headers.forEach(builder::header);
        java.util.concurrent.CompletionException failure = org.junit.jupiter.api.Assertions.assertThrows(
                java.util.concurrent.CompletionException.class,
                () -> builder.buildAsync(URI.create(base.toString().replaceFirst("^http", "ws").replaceFirst("/$", "")
                        + "/api/replicache/websocket/" + spaceID), new WebSocket.Listener() {
                        }).join(),
                "the upgrade should have been refused");
        return ((java.net.http.WebSocketHandshakeException) failure.getCause()).getResponse();
    }

    public TestSocket send(Object frame) {
        try {
            return sendText(frame instanceof String text ? text : JSON.writeValueAsString(frame));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    public TestSocket sendText(String text) {
        socket.sendText(text, true).join();
        return this;
    }

    /** Says hello and returns the poke that answers it. */
    public JsonNode hello(String clientID, String clientGroupID, Object cookie) {
        return hello(clientID, clientGroupID, cookie, null);
    }

    /** Says hello with a token ({@code auth}: null for none) and returns the poke that answers it. */
    public JsonNode hello(String clientID, String clientGroupID, Object cookie, String auth) {
        Map<String, Object> hello = new java.util.HashMap<>();
        hello.put("messageType", "hello");
        hello.put("clientID", clientID);
        hello.put("clientGroupID", clientGroupID);
        hello.put("cookie", cookie);
        if (auth != null) {
            hello.put("auth", auth);
        }
        send(hello);
        JsonNode poke = next();
        assertEquals("poke", poke.path("message").asText(), poke.toString());
        return poke;
    }

    /** The next frame, waiting up to 10 seconds. */
    public JsonNode next() {
        try {
            JsonNode frame = frames.poll(10, TimeUnit.SECONDS);
            assertNotNull(frame, "no frame came within 10 s");
            return frame;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** The next presence or broadcast frame, waiting up to 10 seconds. */
    public JsonNode nextEvent() {
        JsonNode frame = pollEvent(Duration.ofSeconds(10));
        assertNotNull(frame, "no presence or broadcast frame came within 10 s");
        return frame;
    }

    /** The next presence or broadcast frame, or {@code null} when none comes within the time. */
    public JsonNode pollEvent(Duration wait) {
        return take(events, wait);
    }

    private static JsonNode take(LinkedBlockingQueue<JsonNode> queue, Duration wait) {
        try {
            return queue.poll(wait.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** A received frame (or part of one) as plain maps, lists and values, to compare with what a test expects. */
    public static Object json(JsonNode node) {
        return JSON.convertValue(node, Object.class);
    }

    /** Breaks the connection without a close frame, as a lost network does. */
    public void abort() {
        socket.abort();
    }

    /** Sends a binary frame (rooms speak JSON text only). */
    public TestSocket sendBinary(byte[] data) {
        socket.sendBinary(java.nio.ByteBuffer.wrap(data), true).join();
        return this;
    }

    /** The next frame, or {@code null} when none comes within the time. */
    public JsonNode poll(Duration wait) {
        return take(frames, wait);
    }

    /** Whether the server has sent its close (the client may not have seen it through yet). */
    public boolean closing() {
        return socket.isInputClosed() || closed.isDone();
    }

    /** The close code if the socket was closed (by the server, or failed: -1), else {@code null}. */
    public Integer closeCodeNow() {
        if (!closed.isDone()) {
            return null;
        }
        return closed.isCompletedExceptionally() ? -1 : closed.join();
    }

    /** Asserts that no frame comes within the time. */
    public void expectNothingFor(Duration quiet) {
        try {
            JsonNode frame = frames.poll(quiet.toMillis(), TimeUnit.MILLISECONDS);
            assertNull(frame, () -> "expected no frame, got " + frame);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** The close code the server sent, waiting up to 10 seconds. */
    public int closeCode() {
        return closed.orTimeout(10, TimeUnit.SECONDS).join();
    }

    @Override
    public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
        partial.append(data);
        if (last) {
            try {
                JsonNode frame = JSON.readTree(partial.toString());
                String message = frame.path("message").asText();
                (message.equals("presence") || message.equals("broadcast") ? events : frames).add(frame);
            } catch (Exception e) {
                frames.add(JSON.getNodeFactory().textNode(partial.toString()));
            }
            partial.setLength(0);
        }
        webSocket.request(1);
        return null;
    }

    @Override
    public CompletionStage<?> onClose(WebSocket webSocket, int statusCode, String reason) {
        closed.complete(statusCode);
        return null;
    }

    @Override
    public void onError(WebSocket webSocket, Throwable error) {
        closed.completeExceptionally(error);
    }

    @Override
    public void close() {
        if (!socket.isOutputClosed()) {
            socket.sendClose(WebSocket.NORMAL_CLOSURE, "bye");
        }
    }
}
