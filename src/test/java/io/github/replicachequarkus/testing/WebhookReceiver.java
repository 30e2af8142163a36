package io.github.replicachequarkus.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

/**
 * A webhook receiver for tests, on a port of its own: it records every request (answered or not), answers as the test
 * says, can go down (connections refused) and come back on the same port, and notes when two requests of one
 * endpoint's space were in flight at once, which the server must never do.
 */
public final class WebhookReceiver implements AutoCloseable {

    private static final ObjectMapper JSON = new ObjectMapper();

    /**
     * One request as it came.
     *
     * @param endpoint the path it was POSTed to, without its slash
     * @param status what it was answered: 0 while it waits, -1 when it got none (the receiver went down)
     * @param sequence its place among all requests, in the order they arrived
     */
    public record Received(String endpoint, String id, String timestamp, String signature, String body, JsonNode json,
            long sequence, long arrivedAt, int status) {

        public String spaceID() {
            return json.path("spaceID").asText();
        }

        public long fromVersion() {
            return json.path("fromVersion").asLong();
        }

        public long toVersion() {
            return json.path("toVersion").asLong();
        }

        public boolean succeeded() {
            return status >= 200 && status < 300;
        }

        /** Whether the signature is the Standard Webhooks one of this request under the secret (whsec_<base64>). */
        public boolean signedWith(String secret) {
            try {
                Mac mac = Mac.getInstance("HmacSHA256");
                mac.init(new SecretKeySpec(Base64.getDecoder().decode(secret.substring("whsec_".length())),
                        "HmacSHA256"));
                byte[] expected = mac.doFinal((id + "." + timestamp + "." + body).getBytes(StandardCharsets.UTF_8));
                return signature != null && List.of(signature.split(" "))
                        .contains("v1," + Base64.getEncoder().encodeToString(expected));
            } catch (GeneralSecurityException e) {
                throw new IllegalStateException(e);
            }
        }
    }

    /** How to answer a request: a status, after whatever wait the answer takes. */
    @FunctionalInterface
    public interface Answer {
        int status(Received request) throws InterruptedException;
    }

    private final int port;
    private final ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor();
    private final List<Received> received = new CopyOnWriteArrayList<>();
    private final AtomicLong sequence = new AtomicLong();
    /** The (endpoint, space) pairs with a request in flight, and the pairs found with two at once. */
    private final Set<String> inFlight = ConcurrentHashMap.newKeySet();
    private final List<String> overlaps = new CopyOnWriteArrayList<>();
    private volatile Answer answer = request -> 200;
    private HttpServer server;

    private WebhookReceiver(int port) {
        this.port = port;
    }

    /** Starts a receiver on the port (0: any free one). */
    public static WebhookReceiver start(int port) {
        WebhookReceiver receiver = new WebhookReceiver(port == 0 ? freePort() : port);
        receiver.up();
        return receiver;
    }

    public int port() {
        return port;
    }

    /** The URL of an endpoint of this receiver: requests to it are recorded under its name. */
    public URI url(String endpoint) {
        return URI.create("http://localhost:" + port + "/" + endpoint);
    }

    public void answer(Answer answer) {
        this.answer = answer;
    }

    /** Starts listening (again, after {@link #down()}), on the same port. */
    public synchronized void up() {
        if (server != null) {
            return;
        }
        try {
            server = HttpServer.create(new InetSocketAddress("localhost", port), 100);
        } catch (IOException e) {
            throw new UncheckedIOException("could not listen on port " + port, e);
        }
        server.setExecutor(threads);
        server.createContext("/", this::handle);
        server.start();
    }

    /** Stops listening: connections are refused, and requests waiting for their answer get none. */
    public synchronized void down() {
        if (server != null) {
            server.stop(0);
            server = null;
        }
    }

    private void handle(HttpExchange exchange) throws IOException {
        byte[] bytes;
        try (InputStream in = exchange.getRequestBody()) {
            bytes = in.readAllBytes();
        }
        String body = new String(bytes, StandardCharsets.UTF_8);
        JsonNode json;
        try {
            json = JSON.readTree(body);
        } catch (IOException e) {
            json = JSON.createObjectNode();
        }
        var headers = exchange.getRequestHeaders();
        Received request = new Received(exchange.getRequestURI().getPath().substring(1), headers.getFirst("webhook-id"),
                headers.getFirst("webhook-timestamp"), headers.getFirst("webhook-signature"), body, json,
                sequence.incrementAndGet(), System.nanoTime(), 0);
        String stream = request.endpoint() + " " + request.spaceID();
        if (!inFlight.add(stream)) {
            overlaps.add(stream + " (delivery " + request.id() + ")");
        }
        int index;
        synchronized (received) {
            received.add(request);
            index = received.size() - 1;
        }
        int status = -1;
        try {
            status = answer.status(request);
            exchange.sendResponseHeaders(status, -1);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (IOException e) {
            status = -1; // the server went away first
        } finally {
            received.set(index, new Received(request.endpoint(), request.id(), request.timestamp(), request.signature(),
                    request.body(), request.json(), request.sequence(), request.arrivedAt(), status));
            inFlight.remove(stream);
            exchange.close();
        }
    }

    /** Every request so far, in the order they arrived. */
    public List<Received> received() {
        return List.copyOf(received);
    }

    /** The requests of an endpoint for a space, in the order they arrived. */
    public List<Received> received(String endpoint, String spaceID) {
        return received.stream().filter(r -> r.endpoint().equals(endpoint) && r.spaceID().equals(spaceID))
                .sorted(Comparator.comparingLong(Received::sequence)).toList();
    }

    /** The requests of an endpoint for a space that were answered 2xx, in the order they arrived. */
    public List<Received> delivered(String endpoint, String spaceID) {
        return received(endpoint, spaceID).stream().filter(Received::succeeded).toList();
    }

    /** The last version of the space an endpoint took without a gap from version 0: its deliveries must chain. */
    public long deliveredUpTo(String endpoint, String spaceID) {
        long upTo = 0;
        for (Received delivery : delivered(endpoint, spaceID)) {
            if (delivery.fromVersion() == upTo) {
                upTo = delivery.toVersion();
            }
        }
        return upTo;
    }

    /** Every pair of one endpoint's requests for one space that were in flight at once. */
    public List<String> overlaps() {
        return overlaps.stream().distinct().toList();
    }

    /**
     * What was wrong with the order of an endpoint's requests for a space that is new and none of whose deliveries may
     * die: the first starts at version 0; each later delivery starts where the one before ended, and came only after
     * that one was taken (answered 2xx); a retry repeats its delivery's id and body; no delivery is sent again once a
     * later one was. Empty when all is well.
     */
    public List<String> orderProblems(String endpoint, String spaceID) {
        List<String> problems = new ArrayList<>();
        Map<String, String> bodies = new HashMap<>();
        List<String> ids = new ArrayList<>();
        Set<String> taken = new HashSet<>();
        long endedAt = 0;
        for (Received request : received(endpoint, spaceID)) {
            String earlier = bodies.putIfAbsent(request.id(), request.body());
            if (earlier != null && !earlier.equals(request.body())) {
                problems.add("delivery " + request.id() + " was sent with two bodies");
            }
            if (ids.isEmpty() || !ids.getLast().equals(request.id())) {
                String range = request.id() + " (" + request.fromVersion() + ".." + request.toVersion() + ")";
                if (ids.contains(request.id())) {
                    problems.add("delivery " + range + " was sent again after a later one");
                } else {
                    if (!ids.isEmpty() && !taken.contains(ids.getLast())) {
                        problems.add("delivery " + range + " came before " + ids.getLast() + " was taken");
                    }
                    if (request.fromVersion() != endedAt) {
                        problems.add("delivery " + range + " does not start where the one before ended, " + endedAt);
                    }
                    ids.add(request.id());
                    endedAt = request.toVersion();
                }
            }
            if (request.succeeded()) {
                taken.add(request.id());
            }
        }
        return problems;
    }

    @Override
    public void close() {
        down();
        threads.close();
    }

    private static int freePort() {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The state the deliveries' entries add up to, applied in order, each delivery once (a repeat has its id). */
    public static Map<String, JsonNode> applied(List<Received> deliveries) {
        Map<String, JsonNode> state = new TreeMap<>();
        Set<String> seen = new HashSet<>();
        for (Received delivery : deliveries) {
            if (!seen.add(delivery.id())) {
                continue;
            }
            for (JsonNode entry : delivery.json().get("entries")) {
                if (entry.get("op").asText().equals("del")) {
                    state.remove(entry.get("key").asText());
                } else {
                    state.put(entry.get("key").asText(), entry.get("value"));
                }
            }
        }
        return state;
    }
}
