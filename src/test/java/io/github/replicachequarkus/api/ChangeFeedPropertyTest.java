package io.github.replicachequarkus.api;

import static io.github.replicachequarkus.testing.Protocol.client;
import static io.github.replicachequarkus.testing.Protocol.space;
import static io.github.replicachequarkus.testing.RandomCases.chance;
import static io.github.replicachequarkus.testing.RandomCases.oneOf;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.github.replicachequarkus.testing.AuthModes;
import io.github.replicachequarkus.testing.RandomCases;
import io.github.replicachequarkus.testing.SpaceModel;
import io.github.replicachequarkus.testing.Tokens;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;

/**
 * Random runs of pushes (puts, deletes, deletes of keys never written, failing mutations) checked against
 * {@link SpaceModel}: the feed replayed from 0 onto an empty mirror, in pages of random limits, gives the model's
 * state; replayed from any version onto the model's state at that version, it gives the same. Every page ends on a
 * whole version (the mirror has then caught up to the page's {@code to}), names each key once with the model's
 * latest write of it, and holds more than its limit only when it is one version; so do pages read while pushes
 * commit.
 */
@QuarkusTest
@TestProfile(AuthModes.TokenProfile.class)
class ChangeFeedPropertyTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    private static final List<String> KEYS = List.of("a", "b", "c", "d/1", "d/2", "é", "日本");

    @TestHTTPResource("/")
    URI base;

    @Test
    void replayingTheFeedGivesTheModelsState() {
        RandomCases.check("the change feed against the model", 40, random -> new Scenario(random, base).run());
    }

    @Test
    void aMirrorReadingWhilePushesCommitCatchesUpPageByPage() {
        RandomCases.check("the change feed read while pushes commit", 10,
                random -> new Scenario(random, base).readWhilePushing());
    }

    private static int byCodePoint(String a, String b) {
        return Arrays.compare(a.codePoints().toArray(), b.codePoints().toArray());
    }

    /** One space, one group of two clients, a random run of pushes, then replays of the feed. */
    private static final class Scenario {

        /**
         * A server credential of the case's own: pushes are limited per user (50 a second), and the cases of a run
         * push faster than that one after the other.
         */
        private final String credential = Tokens.bearer(Tokens.serverToken("backend-" + java.util.UUID.randomUUID(),
                Instant.now().plusSeconds(3600)));
        private final Random random;
        private final URI base;
        private final String space = space();
        private final String group = "g-" + space;
        private final List<String> clients = List.of(client(), client());
        private final SpaceModel model = new SpaceModel();
        private final List<String> steps = new ArrayList<>();

        Scenario(Random random, URI base) {
            this.random = random;
            this.base = base;
        }

        void run() throws IOException, InterruptedException {
            for (int push = 1 + random.nextInt(12); push > 0; push--) {
                send(plan());
            }
            List<Long> tos = new ArrayList<>();
            assertEquals(model.state(), replay(0, Map.of(), tos), () -> failure("the replay from 0"));
            for (int i = 0; i < 2; i++) {
                long since = oneOf(random, tos);
                assertEquals(model.state(), replay(since, model.stateAt(since), new ArrayList<>()),
                        () -> failure("the replay from a page's to, " + since));
            }
            long since = random.nextLong(model.version() + 1);
            assertEquals(model.state(), replay(since, model.stateAt(since), new ArrayList<>()),
                    () -> failure("the replay from " + since));
        }

        /**
         * Applies the feed from {@code since} onto the state, a page of a random limit at a time, checking each page
         * against the model; adds each page's {@code to} to {@code tos}.
         */
        private Map<String, JsonNode> replay(long since, Map<String, JsonNode> state, List<Long> tos)
                throws IOException, InterruptedException {
            Map<String, JsonNode> mirror = new TreeMap<>(state);
            Set<String> named = new HashSet<>();
            for (boolean more = true; more;) {
                int limit = chance(random, 0.2) ? 100 : 1 + random.nextInt(4);
                JsonNode page = page(since, limit);
                long from = since;
                long to = page.get("to").longValue();
                JsonNode changes = page.get("changes");
                String what = "the page from " + from + " of limit " + limit + ": " + page;
                assertEquals(from, page.get("from").longValue(), () -> failure(what));
                List<String> expected = expectedPage(from, limit);
                List<String> keys = new ArrayList<>();
                changes.forEach(change -> keys.add(change.get("key").textValue()));
                assertEquals(expected, keys, () -> failure("not the page of whole versions the limit allows: " + what));
                for (JsonNode change : changes) {
                    String key = change.get("key").textValue();
                    assertTrue(named.add(key), () -> failure(key + " twice in the replay, in " + what));
                    SpaceModel.Row row = model.rows().get(key);
                    assertEquals(row.version(), change.get("version").longValue(), () -> failure(what));
                    switch (change.get("op").textValue()) {
                        case "put" -> {
                            assertEquals(row.value(), change.get("value"), () -> failure(what));
                            mirror.put(key, change.get("value"));
                        }
                        case "del" -> {
                            assertTrue(row.value() == null && !change.has("value"), () -> failure(what));
                            mirror.remove(key);
                        }
                        default -> throw new AssertionError(failure("not an op: " + what));
                    }
                }
                more = page.get("more").booleanValue();
                boolean left = model.rows().values().stream().anyMatch(row -> row.version() > to);
                assertEquals(left, more, () -> failure("more: " + what));
                long expectedTo = more ? changes.get(changes.size() - 1).get("version").longValue() : model.version();
                assertEquals(expectedTo, to, () -> failure("to: " + what));
                assertCaughtUpTo(to, mirror, what);
                tos.add(to);
                since = to;
            }
            return mirror;
        }

        /**
         * After a page, the mirror holds every key whose latest write is at or before the page's {@code to} as that write
         * left it. A key written again later may still be as it was (the compacted feed sends it only at its latest
         * write, in a later page): until the last page, the mirror need not be a state the space ever had.
         */
        private void assertCaughtUpTo(long to, Map<String, JsonNode> mirror, String what) {
            model.rows().forEach((key, row) -> {
                if (row.version() <= to) {
                    assertEquals(row.value(), mirror.get(key), () -> failure(key + " in the mirror after " + what));
                }
            });
        }

        /**
         * The keys a page from {@code since} holds, from the model: whole versions in order, as many as fit in the
         * limit, and at least the first, however many keys it wrote. Within a version, keys in byte order of their
         * UTF-8, which is the order of their code points.
         */
        private List<String> expectedPage(long since, int limit) {
            TreeMap<Long, TreeSet<String>> versions = new TreeMap<>();
            model.rows().forEach((key, row) -> {
                if (row.version() > since) {
                    versions.computeIfAbsent(row.version(), version -> new TreeSet<>(ChangeFeedPropertyTest::byCodePoint))
                            .add(key);
                }
            });
            List<String> page = new ArrayList<>();
            for (TreeSet<String> keys : versions.values()) {
                if (!page.isEmpty() && page.size() + keys.size() > limit) {
                    break;
                }
                page.addAll(keys);
            }
            return page;
        }

        private JsonNode page(long since, int limit) throws IOException, InterruptedException {
            HttpResponse<String> response = send(HttpRequest.newBuilder(
                    base.resolve("/api/spaces/" + space + "/changes?since=" + since + "&limit=" + limit)).GET());
            assertEquals(200, response.statusCode(), () -> failure(response.body()));
            return read(response.body());
        }

        /**
         * Reads the feed while the pushes commit, one after the other: after each page the mirror must have caught up to
         * the page's {@code to}, whatever committed meanwhile; once the pushes are done, the feed reaches the last version
         * and the mirror the model's state. Every push changes something, so push i makes version i.
         */
        void readWhilePushing() throws Exception {
            List<String> pushes = new ArrayList<>();
            for (int push = 10 + random.nextInt(20); push > 0; push--) {
                pushes.add(plan());
            }
            assertEquals(pushes.size(), model.version());
            send(pushes.get(0)); // the space exists before the first read
            ExecutorService writer = Executors.newSingleThreadExecutor();
            try {
                Future<?> pushing = writer.submit(() -> {
                    for (String push : pushes.subList(1, pushes.size())) {
                        send(push);
                    }
                    return null;
                });
                Map<String, JsonNode> mirror = new TreeMap<>();
                long since = 0;
                for (boolean caughtUp = false; !caughtUp;) {
                    boolean done = pushing.isDone(); // then the page read next sees every push
                    int limit = 1 + random.nextInt(4);
                    JsonNode page = page(since, limit);
                    long from = since;
                    long to = page.get("to").longValue();
                    String what = "the page from " + from + " of limit " + limit + ": " + page;
                    assertTrue(to >= from && to <= model.version(), () -> failure(what));
                    JsonNode changes = page.get("changes");
                    assertTrue(changes.size() <= limit
                            || changes.get(0).get("version").equals(changes.get(changes.size() - 1).get("version")),
                            () -> failure("over the limit, and more than one version: " + what));
                    for (JsonNode change : changes) {
                        long version = change.get("version").longValue();
                        assertTrue(version > from && version <= to, () -> failure(what));
                        if (change.get("op").textValue().equals("put")) {
                            mirror.put(change.get("key").textValue(), change.get("value"));
                        } else {
                            mirror.remove(change.get("key").textValue());
                        }
                    }
                    assertCaughtUpTo(to, mirror, what);
                    boolean more = page.get("more").booleanValue();
                    assertTrue(more || !done || to == model.version(), () -> failure("the last page: " + what));
                    caughtUp = done && !more;
                    since = to;
                }
                pushing.get();
                assertEquals(model.state(), mirror, () -> failure("the mirror at the end"));
            } finally {
                writer.shutdownNow();
            }
        }

        /**
         * A push of one to four mutations of the group's clients, applied to the model at once; its body, to be sent in
         * the order planned.
         */
        private String plan() {
            List<SpaceModel.Mutation> mutations = new ArrayList<>();
            ArrayNode wire = JSON.createArrayNode();
            for (int i = 1 + random.nextInt(4); i > 0; i--) {
                String clientID = oneOf(random, clients);
                long id = model.lastMutationID(clientID) + 1
                        + mutations.stream().filter(m -> m.clientID().equals(clientID)).count();
                String key = oneOf(random, KEYS);
                ObjectNode mutation = JSON.createObjectNode().put("clientID", clientID).put("id", id)
                        .put("timestamp", 1.0);
                SpaceModel.Op op;
                int roll = random.nextInt(10);
                if (roll < 6) {
                    JsonNode value = value(2);
                    mutation.put("name", "put").set("args", JSON.createObjectNode().put("key", key).set("value", value));
                    op = new SpaceModel.Put(key, value);
                } else if (roll < 9) {
                    String removed = chance(random, 0.15) ? "never-written" : key;
                    mutation.put("name", "remove").put("args", removed);
                    op = new SpaceModel.Remove(removed);
                } else {
                    mutation.put("name", "writeThenFail").put("args", key);
                    op = new SpaceModel.Fail("the mutator throws after writing");
                }
                wire.add(mutation);
                mutations.add(new SpaceModel.Mutation(clientID, id, op));
            }
            assertTrue(model.push(group, mutations));
            steps.add("push " + wire + " -> version " + model.version());
            return JSON.createObjectNode().put("pushVersion", 1).put("clientGroupID", group).put("profileID", "p")
                    .put("schemaVersion", "").set("mutations", wire).toString();
        }

        private void send(String body) throws IOException, InterruptedException {
            HttpResponse<String> response = send(HttpRequest.newBuilder(base.resolve("/api/replicache/push?spaceID=" + space))
                    .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)));
            assertEquals("200 {}", response.statusCode() + " " + response.body(), () -> failure(body));
        }

        /** A JSON value as the feed sends it back (read from its own text, so that number types match). */
        private JsonNode value(int depth) {
            JsonNode value = switch (random.nextInt(depth > 0 ? 7 : 5)) {
                case 0 -> JSON.getNodeFactory().numberNode(random.nextInt(2001) - 1000);
                case 1 -> JSON.getNodeFactory().numberNode(random.nextInt(1000) / 8.0);
                case 2 -> JSON.getNodeFactory().textNode(oneOf(random, "", "x", "ключ", "😀", "quote \" back \\",
                        "line\nbreak"));
                case 3 -> JSON.getNodeFactory().booleanNode(random.nextBoolean());
                case 4 -> JSON.getNodeFactory().nullNode();
                case 5 -> {
                    ArrayNode array = JSON.createArrayNode();
                    for (int i = random.nextInt(3); i > 0; i--) {
                        array.add(value(depth - 1));
                    }
                    yield array;
                }
                default -> {
                    ObjectNode object = JSON.createObjectNode();
                    for (int i = random.nextInt(3); i > 0; i--) {
                        object.set(oneOf(random, "id", "text", "done"), value(depth - 1));
                    }
                    yield object;
                }
            };
            return read(value.toString());
        }

        /** Sends the request with the server credential: plain HTTP, much quicker than REST Assured for many requests. */
        private HttpResponse<String> send(HttpRequest.Builder request) throws IOException, InterruptedException {
            return HTTP.send(request.header("Authorization", credential).timeout(Duration.ofSeconds(30)).build(),
                    HttpResponse.BodyHandlers.ofString());
        }

        private static JsonNode read(String text) {
            try {
                return JSON.readTree(text);
            } catch (JsonProcessingException e) {
                throw new AssertionError("not JSON: " + text, e);
            }
        }

        /** What went wrong, with the space and the pushes that led there. */
        private String failure(String what) {
            return what + "\nin space " + space + " after:\n  " + String.join("\n  ", steps) + "\nmodel state "
                    + model.state() + " at version " + model.version();
        }
    }
}
