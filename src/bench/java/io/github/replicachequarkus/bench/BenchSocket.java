package io.github.replicachequarkus.bench;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.IntFunction;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.http.ClientWebSocket;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketClientOptions;
import io.vertx.core.http.WebSocketConnectOptions;

/**
 * A room socket opened as a Replicache tab opens it: it waits for the server's greeting, says hello (by default with
 * cookie null, as a new client group), and is ready once the poke answering the hello came. Every later frame goes to
 * its handler with the time it arrived.
 * <p>
 * The sockets are Vert.x's WebSocket client (Netty), not the JDK's {@code java.net.http.WebSocket}: that one costs about
 * as much CPU per frame and per handshake as the server it measures, and on a machine where the two share two cores the
 * harness would take the server's CPU.
 */
final class BenchSocket {

    /** What to do with a frame after the hello's reply; called on the socket's event loop, so keep it short. */
    @FunctionalInterface
    interface FrameHandler {
        void received(long arrivedNanos, String text);
    }

    /** Who a socket says it is in its hello, and the cookie it holds (as JSON: {@code null} for a new client). */
    record Hello(String clientID, String clientGroupID, String cookie) {

        /** A new client of a new client group, with nothing. */
        static Hello fresh() {
            return new Hello(Scenario.id("client"), Scenario.id("group"), "null");
        }
    }

    private final CompletableFuture<BenchSocket> ready = new CompletableFuture<>();
    private final String hello;
    private final FrameHandler handler;
    private volatile ClientWebSocket socket;
    private volatile boolean connected;
    private final long startedNanos = System.nanoTime();
    private volatile boolean greeted;
    private volatile long greetedNanos;
    /** When the hello was written; 0 until it is. */
    private volatile long helloWrittenNanos;
    private volatile boolean helloAnswered;
    private volatile String helloReply;
    private volatile int closeCode = -1;
    private volatile String closedBecause;
    private final AtomicBoolean sending = new AtomicBoolean();

    private BenchSocket(String hello, FrameHandler handler) {
        this.hello = hello;
        this.handler = handler;
    }

    /** Opens a socket to the space's room; the future completes when the hello is answered. */
    static CompletableFuture<BenchSocket> open(Clients clients, Target target, String spaceID, FrameHandler handler,
            Duration timeout) {
        return open(clients, target, spaceID, Hello.fresh(), handler, timeout);
    }

    /** Opens a socket that says the hello given; the future completes when the hello is answered. */
    static CompletableFuture<BenchSocket> open(Clients clients, Target target, String spaceID, Hello hello,
            FrameHandler handler, Duration timeout) {
        BenchSocket socket = new BenchSocket(hello(target.token(), hello), handler);
        // The handlers are set before the connect: the greeting may come in the same read as the upgrade's answer.
        ClientWebSocket webSocket = clients.client.webSocket();
        socket.listen(webSocket);
        webSocket.connect(new WebSocketConnectOptions().setAbsoluteURI(target.room(spaceID).toString())
                .setConnectTimeout(timeout.toMillis())).onComplete(opened -> {
                    if (opened.succeeded()) {
                        socket.connected = true;
                    } else {
                        socket.ready.completeExceptionally(opened.cause());
                    }
                });
        return socket.ready.orTimeout(timeout.toMillis(), TimeUnit.MILLISECONDS).whenComplete((opened, failure) -> {
            if (failure != null && socket.connected) {
                webSocket.close();
            }
        });
    }

    /**
     * The sockets, by index (null where one could not be opened), how many failed and the first reasons, and how long
     * each successful one took from the connect to the poke answering its hello.
     */
    record Opened(List<BenchSocket> byIndex, int failures, List<String> problems, long nanos, Latencies handshakes) {

        /** The sockets that opened. */
        List<BenchSocket> sockets() {
            return byIndex.stream().filter(Objects::nonNull).toList();
        }
    }

    /**
     * Opens {@code count} sockets, at most {@code concurrency} handshakes at a time; socket {@code i} goes to the room
     * {@code spaceOf.apply(i)} and hands its frames to {@code handlerOf.apply(i)}.
     */
    static Opened openAll(Clients clients, Target target, int count, int concurrency, IntFunction<String> spaceOf,
            IntFunction<FrameHandler> handlerOf) throws InterruptedException {
        return openAll(clients, target, count, concurrency, spaceOf, handlerOf, i -> Hello.fresh());
    }

    /** The same, socket {@code i} saying the hello {@code helloOf.apply(i)}. */
    static Opened openAll(Clients clients, Target target, int count, int concurrency, IntFunction<String> spaceOf,
            IntFunction<FrameHandler> handlerOf, IntFunction<Hello> helloOf) throws InterruptedException {
        long start = System.nanoTime();
        Semaphore handshakes = new Semaphore(concurrency);
        List<CompletableFuture<BenchSocket>> opening = new ArrayList<>();
        long[] took = new long[count];
        for (int i = 0; i < count; i++) {
            handshakes.acquire();
            long begun = System.nanoTime();
            int index = i;
            // The future whenComplete returns completes after its action: joining it sees took[index].
            opening.add(open(clients, target, spaceOf.apply(i), helloOf.apply(i), handlerOf.apply(i),
                    Duration.ofSeconds(30))
                    .whenComplete((opened, failure) -> {
                        took[index] = System.nanoTime() - begun;
                        handshakes.release();
                    }));
        }
        List<BenchSocket> sockets = new ArrayList<>();
        List<String> problems = new ArrayList<>();
        Latencies latencies = new Latencies();
        int failures = 0;
        for (int i = 0; i < count; i++) {
            try {
                sockets.add(opening.get(i).join());
                latencies.add(took[i]);
            } catch (CompletionException e) {
                sockets.add(null);
                failures++;
                if (problems.size() < 5) {
                    problems.add(String.valueOf(e.getCause()));
                }
            }
        }
        return new Opened(sockets, failures, problems, System.nanoTime() - start, latencies);
    }

    private static String hello(String token, Hello identity) {
        ObjectNode hello = SyncClient.JSON.createObjectNode().put("messageType", "hello")
                .put("clientID", identity.clientID()).put("clientGroupID", identity.clientGroupID());
        try {
            hello.set("cookie", SyncClient.JSON.readTree(identity.cookie()));
            if (token != null) {
                hello.put("auth", token);
            }
            return SyncClient.JSON.writeValueAsString(hello);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Sends a text frame unless the previous one is still being written; returns whether it was sent. */
    boolean trySend(String text) {
        WebSocket open = socket;
        if (!connected || open.isClosed() || !sending.compareAndSet(false, true)) {
            return false;
        }
        open.writeTextMessage(text).onComplete(sent -> sending.set(false));
        return true;
    }

    /** When the server's greeting came ({@link System#nanoTime}); 0 before. */
    long greetedNanos() {
        return greetedNanos;
    }

    /** The poke that answered the socket's hello. */
    String helloReply() {
        return helloReply;
    }

    /** Whether the server has not closed the socket. */
    boolean isOpen() {
        return closeCode < 0 && connected && !socket.isClosed();
    }

    int closeCode() {
        return closeCode;
    }

    /** How the socket closed (the server's code and reason, or the error that broke it); null while open. */
    String closedBecause() {
        return closedBecause;
    }

    /** Closes the socket: a close frame, then the connection is dropped once the server answers it (or in 5 s). */
    void close() {
        WebSocket open = socket;
        if (connected && !open.isClosed()) {
            open.close((short) 1000, "bye");
        }
    }

    private void listen(ClientWebSocket webSocket) {
        socket = webSocket;
        webSocket.textMessageHandler(this::received);
        webSocket.closeHandler(closed -> {
            Short status = webSocket.closeStatusCode();
            closeCode = status == null ? 1006 : status;
            if (closedBecause == null) {
                closedBecause = "closed: " + closeCode + " " + webSocket.closeReason() + (helloAnswered ? "" : stage());
            }
            ready.completeExceptionally(new IllegalStateException(closedBecause));
        });
        webSocket.exceptionHandler(error -> {
            closeCode = 1006;
            closedBecause = "broken: " + error;
            ready.completeExceptionally(error);
        });
    }

    /** How far a socket closed before its hello's answer had come, from the start of its connect. */
    private String stage() {
        if (!greeted) {
            return " (never greeted, " + millisSinceStart(System.nanoTime()) + " ms after the connect began)";
        }
        long written = helloWrittenNanos;
        return " (greeted after " + millisSinceStart(greetedNanos) + " ms, "
                + (written == 0 ? "hello not written" : "hello written after " + millisSinceStart(written) + " ms") + ")";
    }

    private long millisSinceStart(long nanos) {
        return TimeUnit.NANOSECONDS.toMillis(nanos - startedNanos);
    }

    private void received(String text) {
        long arrived = System.nanoTime();
        if (helloAnswered) {
            handler.received(arrived, text);
        } else if (!greeted) {
            greeted = true;
            greetedNanos = arrived;
            if (!text.contains("\"hello\"")) {
                ready.completeExceptionally(new IllegalStateException("expected the greeting, got " + text));
            }
            socket.writeTextMessage(hello).onSuccess(written -> helloWrittenNanos = System.nanoTime())
                    .onFailure(ready::completeExceptionally);
        } else if (text.contains("\"poke\"")) {
            helloReply = text;
            helloAnswered = true;
            ready.complete(this);
        } else {
            ready.completeExceptionally(new IllegalStateException("expected a poke answering the hello, got "
                    + (text.length() > 200 ? text.substring(0, 200) : text)));
        }
    }

    /** One Vert.x instance, with an event loop per processor, and its WebSocket client, that every socket uses. */
    static final class Clients implements AutoCloseable {

        private final Vertx vertx;
        private final WebSocketClient client;

        Clients() {
            vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(Runtime.getRuntime().availableProcessors())
                    .setBlockedThreadCheckInterval(10).setBlockedThreadCheckIntervalUnit(TimeUnit.SECONDS));
            // No cap on sockets per server (Vert.x queues connects beyond 50 by default); frames up to 16 MB, as the
            // server may send one poke of a large catch-up.
            client = vertx.createWebSocketClient(new WebSocketClientOptions().setMaxConnections(Integer.MAX_VALUE)
                    .setMaxFrameSize(16 << 20).setMaxMessageSize(64 << 20).setClosingTimeout(5));
        }

        @Override
        public void close() {
            vertx.close().toCompletionStage().toCompletableFuture().orTimeout(30, TimeUnit.SECONDS).join();
        }
    }
}
