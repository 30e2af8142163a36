package io.github.replicachequarkus.bench;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

/**
 * A webhook endpoint in the harness (the JDK's HTTP server on loopback): it answers every delivery at once with 204,
 * and notes when each value it carries first arrived. A pusher's value is unique (its client and mutation id are in
 * it), so the time from the push's 200 to its value's arrival here is the webhook's lag for that change. A batch
 * carries only each key's last value, so changes overwritten within a batch arrive with none: the lag covers those
 * that arrive.
 */
final class WebhookReceiver implements AutoCloseable {

    /** A fixed signing secret in the Standard Webhooks form: the receiver does not check signatures. */
    static final String SECRET = "whsec_" + java.util.Base64.getEncoder()
            .encodeToString("replicache-quarkus-bench-webhook-secret".getBytes(java.nio.charset.StandardCharsets.UTF_8));

    private final HttpServer server;
    private final Map<String, Long> arrived = new ConcurrentHashMap<>();
    private final AtomicLong deliveries = new AtomicLong();
    private final AtomicLong events = new AtomicLong();
    private final AtomicLong malformed = new AtomicLong();
    private volatile long lastDeliveryAt = System.nanoTime();

    WebhookReceiver() throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 256);
        server.createContext("/hook", this::handle);
        server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
        server.start();
    }

    URI url() {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/hook");
    }

    /** The server's settings for one endpoint, {@code bench}, at this receiver, with values. */
    Map<String, String> environment() {
        return Map.of("REPLICACHE_WEBHOOKS_BENCH_URL", url().toString(),
                "REPLICACHE_WEBHOOKS_BENCH_SECRET", SECRET,
                "REPLICACHE_WEBHOOKS_BENCH_INCLUDE_VALUES", "true");
    }

    private void handle(HttpExchange exchange) throws IOException {
        long now = System.nanoTime();
        lastDeliveryAt = now;
        try (InputStream body = exchange.getRequestBody()) {
            JsonNode event = SyncClient.JSON.readTree(body);
            deliveries.incrementAndGet();
            events.addAndGet(Math.max(1, event.path("toVersion").asLong() - event.path("fromVersion").asLong()));
            for (JsonNode entry : event.path("entries")) {
                String text = entry.path("value").path("text").asText(null);
                if (text != null) {
                    arrived.putIfAbsent(text, now);
                }
            }
        } catch (RuntimeException | IOException e) {
            malformed.incrementAndGet();
        }
        exchange.sendResponseHeaders(204, -1);
        exchange.close();
    }

    /** When the value first arrived ({@link System#nanoTime}), if it did. */
    Long arrivedAt(String value) {
        return arrived.get(value);
    }

    /** When the last delivery arrived ({@link System#nanoTime}). */
    long lastDeliveryAt() {
        return lastDeliveryAt;
    }

    long deliveries() {
        return deliveries.get();
    }

    /** Versions the deliveries spanned (a batch spans several). */
    long versions() {
        return events.get();
    }

    long malformed() {
        return malformed.get();
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
