package io.github.replicachequarkus.testing;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.http.ServerWebSocket;
import io.vertx.core.http.UpgradeRejectedException;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketConnectOptions;

/**
 * A stand-in for Fly's proxy in front of several instances: a request goes to an entry instance (the one the
 * {@code x-fly-entry} header names, or the next in turn); a response carrying {@code fly-replay: instance=<id>} is
 * discarded and the original request is replayed on that instance with {@code fly-replay-src} — WebSocket upgrades
 * included, which are then bridged frame by frame.
 */
public final class FlyProxy implements AutoCloseable {

    private final Vertx vertx = Vertx.vertx();
    private final Map<String, Integer> instances = new ConcurrentHashMap<>();
    private final HttpClient http = vertx.createHttpClient();
    private final WebSocketClient webSockets = vertx.createWebSocketClient();
    private final AtomicInteger turn = new AtomicInteger();
    private final HttpServer server;
    /** Every replay done, as {@code entry -> target}. */
    public final List<String> replays = new CopyOnWriteArrayList<>();

    public FlyProxy(Map<String, Integer> instances) throws Exception {
        this.instances.putAll(instances);
        this.server = vertx.createHttpServer().requestHandler(this::handle).listen(0).toCompletionStage()
                .toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    public int port() {
        return server.actualPort();
    }

    /** Stops sending new requests to an instance (Fly does so for a machine that is gone). */
    public void remove(String machine) {
        instances.remove(machine);
    }

    private void handle(HttpServerRequest request) {
        request.pause();
        String entry = request.getHeader("x-fly-entry");
        if (entry == null || !instances.containsKey(entry)) {
            List<String> live = List.copyOf(instances.keySet());
            entry = live.get(Math.floorMod(turn.getAndIncrement(), live.size()));
        }
        if ("websocket".equalsIgnoreCase(request.getHeader("Upgrade"))) {
            webSocket(request, entry, null, 0);
        } else {
            String target = entry;
            request.resume();
            request.body().onSuccess(body -> http(request, body, target, null, 0))
                    .onFailure(failure -> request.response().setStatusCode(400).end());
        }
    }

    private void http(HttpServerRequest request, Buffer body, String target, String replaySource, int hop) {
        Integer port = instances.get(target);
        if (port == null) {
            request.response().setStatusCode(502).end("no instance " + target);
            return;
        }
        RequestOptions options = new RequestOptions().setMethod(request.method()).setHost("localhost").setPort(port)
                .setURI(request.uri()).setHeaders(copy(request.headers(), replaySource));
        http.request(options).compose(outgoing -> outgoing.send(body)).onSuccess(response -> {
            String replay = response.getHeader("fly-replay");
            if (replay != null && hop < 3) {
                String next = field(replay, "instance");
                replays.add(target + " -> " + next);
                response.body().onComplete(ignored -> http(request, body, next, source(target, replay), hop + 1));
                return;
            }
            response.body().onSuccess(content -> {
                request.response().setStatusCode(response.statusCode());
                response.headers().forEach(header -> request.response().putHeader(header.getKey(), header.getValue()));
                request.response().end(content);
            });
        }).onFailure(failure -> request.response().setStatusCode(502).end(String.valueOf(failure.getMessage())));
    }

    private void webSocket(HttpServerRequest request, String target, String replaySource, int hop) {
        Integer port = instances.get(target);
        if (port == null) {
            request.response().setStatusCode(502).end("no instance " + target);
            return;
        }
        WebSocketConnectOptions options = new WebSocketConnectOptions().setHost("localhost").setPort(port)
                .setURI(request.uri());
        if (replaySource != null) {
            options.addHeader("fly-replay-src", replaySource);
        }
        webSockets.connect(options).onSuccess(backend -> {
            // The server greets at once: hold its frames until the client's side is upgraded and bridged.
            backend.pause();
            request.toWebSocket().onSuccess(front -> bridge(front, backend)).onFailure(failure -> backend.close());
        }).onFailure(failure -> {
            if (failure instanceof UpgradeRejectedException rejected) {
                String replay = rejected.getHeaders().get("fly-replay");
                if (replay != null && hop < 3) {
                    String next = field(replay, "instance");
                    replays.add(target + " -> " + next);
                    webSocket(request, next, source(target, replay), hop + 1);
                    return;
                }
                request.response().setStatusCode(rejected.getStatus()).end();
                return;
            }
            request.response().setStatusCode(502).end(String.valueOf(failure.getMessage()));
        });
    }

    private static void bridge(ServerWebSocket front, WebSocket backend) {
        front.textMessageHandler(text -> backend.writeTextMessage(text));
        backend.textMessageHandler(text -> front.writeTextMessage(text));
        front.closeHandler(closed -> {
            if (!backend.isClosed()) {
                backend.close(front.closeStatusCode() == null ? 1000 : front.closeStatusCode(), front.closeReason());
            }
        });
        backend.closeHandler(closed -> {
            if (!front.isClosed()) {
                // A backend that went away without a close frame (killed) shows as 1011 to the client.
                front.close(backend.closeStatusCode() == null ? (short) 1011 : backend.closeStatusCode(),
                        backend.closeReason());
            }
        });
        front.exceptionHandler(failure -> backend.close());
        backend.exceptionHandler(failure -> front.close((short) 1011));
        backend.resume();
    }

    private static MultiMap copy(MultiMap headers, String replaySource) {
        MultiMap copy = MultiMap.caseInsensitiveMultiMap().addAll(headers).remove("Host").remove("x-fly-entry");
        if (replaySource != null) {
            copy.set("fly-replay-src", replaySource);
        }
        return copy;
    }

    /** What Fly's proxy adds to a replayed request: where it came from, and the state the replaying machine set. */
    private static String source(String from, String replay) {
        String state = field(replay, "state");
        return "instance=" + from + ";region=ams;t=" + System.currentTimeMillis() + (state == null ? "" : ";state=" + state);
    }

    private static String field(String header, String name) {
        for (String part : header.split(";")) {
            String[] pair = part.strip().split("=", 2);
            if (pair.length == 2 && pair[0].equals(name)) {
                return pair[1];
            }
        }
        return null;
    }

    @Override
    public void close() throws Exception {
        vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }
}
