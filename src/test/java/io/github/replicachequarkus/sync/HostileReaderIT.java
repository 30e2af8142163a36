package io.github.replicachequarkus.sync;

import static io.github.replicachequarkus.testing.RawSocket.maskedText;
import static io.github.replicachequarkus.testing.RawSocket.stalledPull;
import static io.github.replicachequarkus.testing.RawSocket.stalling;
import static io.github.replicachequarkus.testing.RawSocket.upgrade;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;

import io.github.replicachequarkus.testing.Instance;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;

/**
 * Readers who ask a large space for its whole state, over sockets and HTTP, and never read the answer, against the
 * packaged application with a 128 MB heap: it keeps serving everyone else, holds little of their replies in direct
 * memory, never runs out of memory, and cuts the readers off after the write deadline.
 */
class HostileReaderIT {

    private static final HttpClient HTTP = HttpClient.newHttpClient();
    /** The write deadline the instance runs with (30 s by default): short, so that the test sees it pass. */
    private static final Duration WRITE_TIMEOUT = Duration.ofSeconds(5);
    /**
     * Direct memory the stalled replies may hold in all: eight whole-state pulls (two chunks of 64 KB each) and twelve
     * sockets (one part of about 256 KB each) need about 4 MB; unpaced, the pulls alone held 46 MB.
     */
    private static final long PINNED_DIRECT_BOUND = 16 << 20;
    private static final Pattern PINNED_DIRECT = Pattern.compile(
            "(?m)^netty_allocator_memory_pinned\\{allocator_type=\"PooledByteBufAllocator\",memory_type=\"direct\",name=\"pooled\"\\} (\\S+)$");

    @Test
    void stalledReadersOfALargeSpaceNeitherExhaustTheHeapNorHoldOthersUp() throws Exception {
        Path log = Path.of("target", "instances", "hostile-readers.log");
        Files.deleteIfExists(log); // an instance appends to its log: only this run's may count
        try (EmbeddedPostgres postgres = EmbeddedPostgres.builder().setPort(freePort())
                .setPGStartupWait(Duration.ofSeconds(60)).start();
                Instance server = Instance.start("hostile-readers",
                        Map.of("quarkus.datasource.jdbc.url", postgres.getJdbcUrl("postgres", "postgres"),
                                "quarkus.datasource.username", "postgres", "quarkus.datasource.password", "postgres",
                                "replicache.sync.write-timeout", WRITE_TIMEOUT.toSeconds() + "s",
                                "replicache.room.write-timeout", WRITE_TIMEOUT.toSeconds() + "s"),
                        Map.of("REPLICACHE_AUTH_MODE", "open", "JAVA_TOOL_OPTIONS", "-Xmx128m"))) {
            String space = "large-" + UUID.randomUUID();
            seed(server.uri(), space, 20 << 20);

            List<Socket> stalled = new ArrayList<>();
            try {
                for (int i = 0; i < 12; i++) {
                    stalled.add(stalledHellos(server.uri(), space, 3));
                    stalled.add(stalledPull(server.uri(), space));
                }
                Thread.sleep(3_000);
                long pinned = pinnedDirectMemory(server.managementUri());
                assertTrue(pinned < PINNED_DIRECT_BOUND, "the stalled replies hold " + pinned + " bytes of direct memory");
                String other = "other-" + UUID.randomUUID();
                String clientID = "c-" + UUID.randomUUID();
                for (int id = 1; id <= 20; id++) {
                    assertEquals(200, post(server.uri(), "push", other, "{\"pushVersion\":1,\"clientGroupID\":\"g\","
                            + "\"mutations\":[{\"clientID\":\"" + clientID + "\",\"id\":" + id + ",\"name\":\"createTodo\","
                            + "\"args\":{\"id\":\"t" + id + "\",\"text\":\"x\",\"completed\":false,\"sort\":" + id
                            + "},\"timestamp\":1}]}").statusCode(), "another client's push while the readers stall");
                }
                // Its first pull is of a whole state: the stalled pulls hold all eight of the machine's places for
                // those until they are cut off, and meanwhile it gets 429 and retries, as a Replicache client does.
                HttpResponse<String> pulled = pullRetryingWhileBusy(server.uri(), other,
                        "{\"pullVersion\":1,\"clientGroupID\":\"g\",\"cookie\":null}");
                assertEquals(200, pulled.statusCode(), "another client's pull, once the stalled ones were cut off");
                assertTrue(pulled.body().contains("\"" + clientID + "\":20"), "all 20 confirmed");
                assertTrue(server.alive(), "the server is still running");

                HttpResponse<String> whole = pullRetryingWhileBusy(server.uri(), space,
                        "{\"pullVersion\":1,\"clientGroupID\":\"g-" + UUID.randomUUID() + "\",\"cookie\":null}");
                assertEquals(200, whole.statusCode(), "a reader of the large space that reads");
                assertTrue(whole.body().length() > 20 << 20, "the whole state: " + whole.body().length() + " bytes");
            } finally {
                for (Socket socket : stalled) {
                    socket.close();
                }
            }
            assertFalse(Files.readString(log).contains("OutOfMemoryError"), "the server ran out of memory");
        }
    }

    /**
     * A pull, sent again every second while it gets 429 (the machine sends as many whole states as it may), for up to
     * six write deadlines: well before the connections' idle timeout (a minute), which used to be what freed them.
     */
    private static HttpResponse<String> pullRetryingWhileBusy(URI base, String space, String body) throws Exception {
        long giveUp = System.nanoTime() + WRITE_TIMEOUT.multipliedBy(6).toNanos();
        HttpResponse<String> pulled = post(base, "pull", space, body);
        while (pulled.statusCode() == 429 && System.nanoTime() < giveUp) {
            Thread.sleep(1_000);
            pulled = post(base, "pull", space, body);
        }
        return pulled;
    }

    /** Bytes of direct memory the server's pooled buffers hold (its connections' outbound buffers among them). */
    private static long pinnedDirectMemory(URI base) throws Exception {
        String metrics = HTTP.send(HttpRequest.newBuilder(base.resolve("/q/metrics")).timeout(Duration.ofSeconds(30)).build(),
                HttpResponse.BodyHandlers.ofString()).body();
        Matcher pinned = PINNED_DIRECT.matcher(metrics);
        assertTrue(pinned.find(), "the server reports its pooled direct memory");
        return (long) Double.parseDouble(pinned.group(1));
    }

    /** Seeds the space with todos of 50 KB of text each, about {@code bytes} in all. */
    private static void seed(URI base, String space, int bytes) throws Exception {
        String text = "x".repeat(50_000);
        String clientID = "seed-" + UUID.randomUUID();
        int id = 0;
        for (int written = 0; written < bytes;) {
            StringBuilder mutations = new StringBuilder();
            for (int i = 0; i < 60; i++, written += text.length()) {
                id++;
                mutations.append(i == 0 ? "" : ",").append("{\"clientID\":\"").append(clientID).append("\",\"id\":")
                        .append(id).append(",\"name\":\"createTodo\",\"args\":{\"id\":\"todo-").append(id)
                        .append("\",\"text\":\"").append(text).append("\",\"completed\":false,\"sort\":").append(id)
                        .append("},\"timestamp\":1}");
            }
            HttpResponse<String> pushed = post(base, "push", space,
                    "{\"pushVersion\":1,\"clientGroupID\":\"g-seed\",\"mutations\":[" + mutations + "]}");
            assertEquals(200, pushed.statusCode(), pushed.body());
        }
    }

    /** A socket that says hello {@code times} times with no cookie, and never reads. */
    private static Socket stalledHellos(URI base, String space, int times) throws IOException {
        Socket socket = stalling(base);
        socket.getOutputStream().write(upgrade(space));
        for (int i = 0; i < times; i++) {
            socket.getOutputStream().write(maskedText("{\"messageType\":\"hello\",\"clientID\":\"c-" + UUID.randomUUID()
                    + "\",\"clientGroupID\":\"g-" + UUID.randomUUID() + "\",\"cookie\":null}"));
        }
        return socket;
    }

    /** An HTTP pull of the whole state that is never read. */
    private static HttpResponse<String> post(URI base, String endpoint, String space, String body) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(base.resolve("/api/replicache/" + endpoint + "?spaceID=" + space))
                .timeout(Duration.ofSeconds(30)).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }
}
