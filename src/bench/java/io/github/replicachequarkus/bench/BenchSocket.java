package io.github.replicachequarkus.bench;

import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntFunction;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * A room socket opened as a Replicache tab opens it: it waits for the server's greeting, says hello (by default with
 * cookie null, as a new client group), and is ready once the poke answering the hello came. Every later frame goes to
 * its handler with the time it arrived.
 */
final class BenchSocket implements WebSocket.Listener {

    /** What to do with a frame after the hello's reply; called on the socket's thread, so keep it short. */
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
    private final StringBuilder partial = new StringBuilder();
    private final String hello;
    private final FrameHandler handler;
    private volatile WebSocket socket;
    private volatile boolean greeted;
    private volatile boolean helloAnswered;
    private volatile String helloReply;
    private volatile int closeCode = -1;
    private final AtomicBoolean sending = new AtomicBoolean();

    private BenchSocket(String hello, FrameHandler handler) {
        this.hello = hello;
        this.handler = handler;
    }

    /** Opens a socket to the space's room; the future completes when the hello is answered. */
    static CompletableFuture<BenchSocket> open(HttpClient client, Target target, String spaceID, FrameHandler handler,
            Duration timeout) {
        return open(client, target, spaceID, Hello.fresh(), handler, timeout);
    }

    /** Opens a socket that says the hello given; the future completes when the hello is answered. */
    static CompletableFuture<BenchSocket> open(HttpClient client, Target target, String spaceID, Hello hello,
            FrameHandler handler, Duration timeout) {
        BenchSocket socket = new BenchSocket(hello(target.token(), hello), handler);
        client.newWebSocketBuilder().connectTimeout(timeout).buildAsync(target.room(spaceID), socket)
                .whenComplete((opened, failure) -> {
                    if (failure != null) {
                        socket.ready.completeExceptionally(failure);
                    }
                });
        return socket.ready.orTimeout(timeout.toMillis(), TimeUnit.MILLISECONDS).whenComplete((opened, failure) -> {
            if (failure != null && socket.socket != null) {
                socket.socket.abort();
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
            opening.add(open(clients.next(), target, spaceOf.apply(i), helloOf.apply(i), handlerOf.apply(i),
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

    /**
     * Sends a text frame unless the previous one is still being sent (the JDK's WebSocket takes one at a time); returns
     * whether it was sent.
     */
    boolean trySend(String text) {
        WebSocket open = socket;
        if (open == null || open.isOutputClosed() || !sending.compareAndSet(false, true)) {
            return false;
        }
        open.sendText(text, true).whenComplete((sent, failure) -> sending.set(false));
        return true;
    }

    /** The poke that answered the socket's hello. */
    String helloReply() {
        return helloReply;
    }

    /** Whether the server has not closed the socket. */
    boolean isOpen() {
        return closeCode < 0 && socket != null && !socket.isInputClosed();
    }

    int closeCode() {
        return closeCode;
    }

    /** Closes the socket (a close frame, then the connection is dropped). */
    void close() {
        WebSocket open = socket;
        if (open != null && !open.isOutputClosed()) {
            open.sendClose(WebSocket.NORMAL_CLOSURE, "bye").orTimeout(5, TimeUnit.SECONDS)
                    .whenComplete((closed, failure) -> open.abort());
        }
    }

    @Override
    public void onOpen(WebSocket webSocket) {
        socket = webSocket;
        webSocket.request(1);
    }

    @Override
    public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
        partial.append(data);
        if (last) {
            long arrived = System.nanoTime();
            String text = partial.toString();
            partial.setLength(0);
            if (helloAnswered) {
                handler.received(arrived, text);
            } else if (!greeted) {
                greeted = true;
                if (!text.contains("\"hello\"")) {
                    ready.completeExceptionally(new IllegalStateException("expected the greeting, got " + text));
                }
                webSocket.sendText(hello, true).whenComplete((sent, failure) -> {
                    if (failure != null) {
                        ready.completeExceptionally(failure);
                    }
                });
            } else if (text.contains("\"poke\"")) {
                helloReply = text;
                helloAnswered = true;
                ready.complete(this);
            } else {
                ready.completeExceptionally(new IllegalStateException("expected a poke answering the hello, got "
                        + (text.length() > 200 ? text.substring(0, 200) : text)));
            }
        }
        webSocket.request(1);
        return null;
    }

    @Override
    public CompletionStage<?> onClose(WebSocket webSocket, int statusCode, String reason) {
        closeCode = statusCode;
        ready.completeExceptionally(new IllegalStateException("closed by the server: " + statusCode + " " + reason));
        return null;
    }

    @Override
    public void onError(WebSocket webSocket, Throwable error) {
        closeCode = 1006;
        ready.completeExceptionally(error);
    }

    /**
     * A few HTTP clients to open sockets with, used in turn (each has one selector thread), and the threads that run
     * their listeners.
     */
    static final class Clients implements AutoCloseable {

        private final ExecutorService listeners;
        private final List<HttpClient> clients = new ArrayList<>();
        private final AtomicInteger turn = new AtomicInteger();

        Clients(int count) {
            listeners = Executors.newFixedThreadPool(Math.max(4, 2 * Runtime.getRuntime().availableProcessors()),
                    Thread.ofPlatform().daemon().name("bench-socket-", 0).factory());
            for (int i = 0; i < count; i++) {
                clients.add(HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).executor(listeners).build());
            }
        }

        HttpClient next() {
            return clients.get(Math.floorMod(turn.getAndIncrement(), clients.size()));
        }

        @Override
        public void close() {
            clients.forEach(HttpClient::shutdownNow);
            listeners.shutdownNow();
        }
    }
}
