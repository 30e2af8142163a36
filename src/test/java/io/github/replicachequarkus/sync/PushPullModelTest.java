package io.github.replicachequarkus.sync;

import static io.github.replicachequarkus.testing.Protocol.client;
import static io.github.replicachequarkus.testing.Protocol.mutation;
import static io.github.replicachequarkus.testing.Protocol.pushOk;
import static io.github.replicachequarkus.testing.Protocol.space;
import static io.github.replicachequarkus.testing.RandomCases.chance;
import static io.github.replicachequarkus.testing.RandomCases.oneOf;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.DoubleNode;
import com.fasterxml.jackson.databind.node.LongNode;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;

import io.github.replicachequarkus.protocol.Mutation;
import io.github.replicachequarkus.testing.Cookies;
import io.github.replicachequarkus.testing.RandomCases;
import io.github.replicachequarkus.testing.RawHttp;
import io.github.replicachequarkus.testing.SpaceModel;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;

/**
 * Random interleavings of pushes and pulls over HTTP, checked after every step against {@link SpaceModel}: pushes
 * from several clients of several groups with replays, gaps, failing and unknown mutators, deletes and puts again,
 * and now and then a client of another group (refused, changing nothing) or the id of a client of another space (a
 * new client here, independent of that one); pulls from null, from any earlier
 * cookie, and from cookies the server never issued. A pull from cookie c must take the model's state at c to its state
 * now, name only keys written since c, and report exactly the pulling group's clients changed since c.
 * <p>
 * Each run draws a seed (a failure names it); {@code -Dreplicache.fuzz.seed=S -Dreplicache.fuzz.cases=1} replays one
 * scenario.
 */
@QuarkusTest
class PushPullModelTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final List<String> KEYS = List.of("a", "b", "c", "d/1", "ключ");

    @TestHTTPResource("/")
    URI base;

    @Test
    void randomPushesAndPullsAgreeWithTheModel() {
        RawHttp http = new RawHttp(base);
        String elsewhere = client();
        pushOk(space(), "g-elsewhere", mutation(elsewhere, 1, "increment", "n"));

        RandomCases.check("pushes and pulls against the model", 200, random -> new Scenario(random, http, elsewhere).run());
    }

    /**
     * Several groups push to one space at once, each to keys of its own, while pulls run: pushes that arrive together
     * share one transaction (group commit), and pulls from cookies ahead of the space (far ahead, or just above the
     * newest cookie seen, racing the pushes for the next versions) move the version meanwhile. Every pull must show each
     * group's keys, and the pulling group's last mutation ids, as they were after a whole number of that group's pushes,
     * never half a push and never going back; one cookie must always come with one state (a version is never reused);
     * no pull's cookie is below one an earlier pull got (the version never goes back); and at the end, what the model
     * says.
     */
    @Test
    void concurrentPushesOfSeveralGroupsAreWholeInEveryPull() throws Exception {
        RawHttp http = new RawHttp(base);
        RandomCases.check("concurrent pushes against the model", 30, random -> {
            String space = space();
            List<Lane> lanes = new ArrayList<>();
            for (int group = 2 + random.nextInt(3); group > 0; group--) {
                lanes.add(new Lane(random, space, "g" + group, 2 + random.nextInt(5)));
            }
            ExecutorService pushers = Executors.newFixedThreadPool(lanes.size());
            try {
                List<Future<?>> pushing = new ArrayList<>();
                for (Lane lane : lanes) {
                    pushing.add(pushers.submit(() -> lane.bodies.forEach(body -> {
                        RawHttp.Reply reply = http.post("/api/replicache/push", space, body);
                        assertEquals("200 {}", reply.status() + " " + reply.body(), body);
                    })));
                }
                Map<Lane, Integer> seen = new HashMap<>();
                Map<Long, Map<String, JsonNode>> states = new HashMap<>();
                while (pushing.stream().anyMatch(future -> !future.isDone())) {
                    // From null, or from ahead: a reset that moves the version while pushes commit theirs.
                    long newest = states.keySet().stream().mapToLong(Long::longValue).max().orElse(0);
                    long ahead = newest + (chance(random, 0.5) ? 1000 : 1 + random.nextInt(3));
                    checkPull(http, space, oneOf(random, lanes), chance(random, 0.5) ? "null" : Long.toString(ahead),
                            lanes, seen, states);
                }
                for (Future<?> future : pushing) {
                    future.get();
                }
                for (Lane lane : lanes) {
                    seen.put(lane, lane.snapshots.size() - 1); // after all its pushes, only the last snapshot will do
                    checkPull(http, space, lane, "null", lanes, seen, states);
                }
            } finally {
                pushers.shutdownNow();
            }
        });
    }

    /** What a group's keys and clients are after each of its pushes (the first: before any). */
    private record Snapshot(Map<String, JsonNode> state, Map<String, Long> lastMutationIDs) {
    }

    /** One group's clients, keys and pushes, played on a model of its own: no other group touches them. */
    private static final class Lane {
        final String group;
        final String prefix;
        final List<String> bodies = new ArrayList<>();
        final List<Snapshot> snapshots = new ArrayList<>();

        Lane(Random random, String space, String group, int pushes) {
            this.group = group;
            this.prefix = group + "/";
            List<String> clients = List.of(space + "/" + group + "c0", space + "/" + group + "c1");
            List<String> keys = List.of(prefix + "a", prefix + "b", prefix + "c");
            SpaceModel model = new SpaceModel();
            snapshots.add(new Snapshot(Map.of(), Map.of()));
            for (int push = 0; push < pushes; push++) {
                List<SpaceModel.Mutation> mutations = new ArrayList<>();
                ArrayNode wire = JSON.createArrayNode();
                Map<String, Long> sent = new HashMap<>();
                for (int i = 1 + random.nextInt(3); i > 0; i--) {
                    String clientID = oneOf(random, clients);
                    long last = sent.computeIfAbsent(clientID, model::lastMutationID);
                    long id = random.nextInt(8) == 0 ? last + 2 : last + 1;
                    sent.put(clientID, Math.max(last, id));
                    Scenario.add(random, keys, mutations, wire, clientID, id);
                }
                assertTrue(model.push(group, mutations));
                bodies.add(JSON.createObjectNode().put("pushVersion", 1).put("clientGroupID", group)
                        .set("mutations", wire).toString());
                snapshots.add(new Snapshot(model.state(), model.lastMutationIDChanges(group, -1)));
            }
        }

        /** The first snapshot from {@code from} on that the pull matches, or -1. */
        int match(Map<String, JsonNode> state, Map<String, Long> lastMutationIDs, int from) {
            Map<String, JsonNode> mine = new TreeMap<>();
            state.forEach((key, value) -> {
                if (key.startsWith(prefix)) {
                    mine.put(key, value);
                }
            });
            for (int i = from; i < snapshots.size(); i++) {
                if (snapshots.get(i).state().equals(mine)
                        && (lastMutationIDs == null || snapshots.get(i).lastMutationIDs().equals(lastMutationIDs))) {
                    return i;
                }
            }
            return -1;
        }
    }

    /**
     * A pull by the lane's group from null or from a cookie ahead: the whole state, or (when pushes took the space past
     * the cookie meanwhile) the changes since it. Every group's keys at one of its snapshots, no earlier than before; a
     * cookie seen before comes with the state it came with then; and no cookie below the newest one seen.
     */
    private static void checkPull(RawHttp http, String space, Lane puller, String cookie, List<Lane> lanes,
            Map<Lane, Integer> seen, Map<Long, Map<String, JsonNode>> states) {
        RawHttp.Reply reply = http.post("/api/replicache/pull", space,
                "{\"pullVersion\":1,\"clientGroupID\":\"" + puller.group + "\",\"cookie\":" + cookie + "}");
        assertEquals(200, reply.status(), reply.body());
        JsonNode pulled = Scenario.read(reply.body());
        long replyCookie = pulled.get("cookie").asLong();
        long newest = states.keySet().stream().mapToLong(Long::longValue).max().orElse(0);
        assertTrue(replyCookie >= newest, () -> "cookie " + replyCookie + " after " + newest + " was issued: " + reply.body());
        Map<String, JsonNode> state;
        if ("clear".equals(pulled.path("patch").path(0).path("op").asText())) {
            state = SpaceModel.applyPatch(Map.of(), pulled.get("patch"));
        } else {
            // Pushes passed the cookie before the pull read it: changes since it, and its state is known only if issued.
            long from = Long.parseLong(cookie);
            assertTrue(replyCookie >= from, reply.body());
            if (!states.containsKey(from)) {
                return;
            }
            state = SpaceModel.applyPatch(states.get(from), pulled.get("patch"));
        }
        Map<String, JsonNode> before = states.putIfAbsent(replyCookie, state);
        assertTrue(before == null || before.equals(state),
                () -> "cookie " + pulled.get("cookie") + " named " + before + " and now " + state);
        boolean whole = "clear".equals(pulled.path("patch").path(0).path("op").asText());
        for (Lane lane : lanes) {
            int from = seen.getOrDefault(lane, 0);
            int at = lane.match(state, lane == puller && whole ? Scenario.lastMutationIDs(pulled) : null, from);
            assertTrue(at >= 0, () -> "group " + lane.group + " is at none of its snapshots from " + from + " on: "
                    + reply.body() + "\nsnapshots: " + lane.snapshots);
            seen.put(lane, at);
        }
    }

    /** One space, a few groups of clients, and a random run of pushes and pulls on it. */
    private static final class Scenario {

        private final Random random;
        private final RawHttp http;
        private final String space = space();
        private final String elsewhere;
        private final SpaceModel model = new SpaceModel();
        private final Map<String, List<String>> clients = new HashMap<>();
        private final List<String> steps = new ArrayList<>();

        Scenario(Random random, RawHttp http, String elsewhere) {
            this.random = random;
            this.http = http;
            this.elsewhere = elsewhere;
            for (int group = 0; group < 1 + random.nextInt(3); group++) {
                List<String> ids = new ArrayList<>();
                for (int i = 0; i < 1 + random.nextInt(3); i++) {
                    ids.add(space + "/g" + group + "c" + i);
                }
                clients.put("g" + group, ids);
            }
        }

        void run() {
            for (int step = 3 + random.nextInt(8); step > 0; step--) {
                if (chance(random, 0.55)) {
                    push();
                    pull(randomGroup(), LongNode.valueOf(random.nextLong(model.version() + 1)));
                } else {
                    pull(randomGroup(), randomCookie());
                }
            }
        }

        private String randomGroup() {
            return chance(random, 0.1) ? "g-new" : oneOf(random, List.copyOf(clients.keySet()).stream().sorted().toList());
        }

        private void push() {
            String group = oneOf(random, clients.keySet().stream().sorted().toList());
            List<SpaceModel.Mutation> mutations = new ArrayList<>();
            ArrayNode wire = JSON.createArrayNode();
            Map<String, Long> sent = new HashMap<>();
            for (int i = 1 + random.nextInt(4); i > 0; i--) {
                String clientID = oneOf(random, clients.get(group));
                long last = sent.computeIfAbsent(clientID, model::lastMutationID);
                long id = switch (random.nextInt(10)) {
                    case 0 -> 1 + random.nextLong(Math.max(1, last)); // a replay (or the first)
                    case 1 -> last + 2 + random.nextInt(2); // a gap
                    default -> last + 1;
                };
                sent.put(clientID, Math.max(last, id));
                add(random, KEYS, mutations, wire, clientID, id);
            }
            if (chance(random, 0.1)) {
                // A client of another group of the space: the whole push is refused. Failing that, the id of a client
                // of another space, which is nothing to this one: a new client here, the group's from now on.
                String stranger = model.clients().entrySet().stream().filter(c -> !c.getValue().group().equals(group))
                        .map(Map.Entry::getKey).sorted().findFirst().orElse(elsewhere);
                add(random, KEYS, mutations, wire, stranger, model.lastMutationID(stranger) + 1);
            }

            boolean accepted = model.push(group, mutations);
            steps.add("push " + group + " " + wire + (accepted ? "" : " (refused)"));
            RawHttp.Reply response = post("push", JSON.createObjectNode().put("pushVersion", 1).put("clientGroupID", group)
                    .put("profileID", "p").put("schemaVersion", "").set("mutations", wire));
            if (accepted) {
                assertEquals(200, response.status(), () -> failure(response.body()));
                assertEquals("{}", response.body(), () -> failure("the push's reply"));
            } else {
                assertEquals(400, response.status(), () -> failure(response.body()));
                assertEquals("ClientNotInGroup", read(response.body()).path("error").asText(),
                        () -> failure(response.body()));
            }
        }

        /** Adds a random mutation of the client to the model's push and to the wire's. */
        private static void add(Random random, List<String> keys, List<SpaceModel.Mutation> mutations, ArrayNode wire,
                String clientID, long id) {
            String key = oneOf(random, keys);
            ObjectNode mutation = JSON.createObjectNode().put("clientID", clientID).put("id", id).put("timestamp", 1.5);
            SpaceModel.Op op;
            switch (random.nextInt(20)) {
                case 0, 1, 2, 3, 4, 5, 6, 7, 8 -> {
                    JsonNode value = randomValue(random, 2);
                    mutation.put("name", "put").set("args", JSON.createObjectNode().put("key", key).set("value", value));
                    op = new SpaceModel.Put(key, value);
                }
                case 9, 10, 11, 12, 13 -> {
                    mutation.put("name", "remove").put("args", key);
                    op = new SpaceModel.Remove(key);
                }
                case 14 -> {
                    mutation.put("name", "remove").put("args", "never-written");
                    op = new SpaceModel.Remove("never-written");
                }
                case 15, 16 -> {
                    mutation.put("name", "writeThenFail").put("args", key);
                    op = new SpaceModel.Fail("the mutator throws after writing");
                }
                case 17 -> {
                    mutation.put("name", "noSuchMutator").set("args", JSON.createObjectNode());
                    op = new SpaceModel.Fail("no such mutator");
                }
                case 18 -> {
                    mutation.put("name", "remove").put("args", 7);
                    op = new SpaceModel.Fail("args of the wrong type");
                }
                default -> {
                    mutation.put("name", "put").put("args", "not an object");
                    op = new SpaceModel.Fail("args without a key");
                }
            }
            wire.add(mutation);
            mutations.add(new SpaceModel.Mutation(clientID, id, op));
        }

        /** A JSON value, as the client would read it back (read from its text, so that number types match). */
        private static JsonNode randomValue(Random random, int depth) {
            JsonNode value = switch (random.nextInt(depth > 0 ? 9 : 7)) {
                case 0 -> LongNode.valueOf(random.nextInt(2001) - 1000);
                case 1 -> LongNode.valueOf(random.nextLong());
                case 2 -> DoubleNode.valueOf(random.nextDouble() * 1e6 - 5e5);
                case 3 -> TextNode.valueOf(oneOf(random, "", "x", "é", "日本語", "😀 emoji", "quote \" and \\ back",
                        "line\nbreak\ttab", "\u0001 control", "null"));
                case 4 -> JSON.getNodeFactory().booleanNode(random.nextBoolean());
                case 5 -> NullNode.getInstance();
                case 6 -> TextNode.valueOf("v" + random.nextInt(100));
                case 7 -> {
                    ArrayNode array = JSON.createArrayNode();
                    for (int i = random.nextInt(4); i > 0; i--) {
                        array.add(randomValue(random, depth - 1));
                    }
                    yield array;
                }
                default -> {
                    ObjectNode object = JSON.createObjectNode();
                    for (int i = random.nextInt(4); i > 0; i--) {
                        object.set(oneOf(random, "id", "text", "done", "ключ", ""), randomValue(random, depth - 1));
                    }
                    yield object;
                }
            };
            try {
                return JSON.readTree(JSON.writeValueAsString(value));
            } catch (JsonProcessingException e) {
                throw new IllegalStateException(e);
            }
        }

        private JsonNode randomCookie() {
            long version = model.version();
            int roll = random.nextInt(100);
            if (roll < 15) {
                return NullNode.getInstance();
            } else if (roll < 65) {
                return LongNode.valueOf(random.nextLong(version + 1));
            } else if (roll < 73) {
                return LongNode.valueOf(version + 1 + random.nextInt(30));
            } else if (roll < 78) {
                return DoubleNode.valueOf(random.nextDouble() * (version + 5));
            } else if (roll < 81) {
                return LongNode.valueOf(-1 - random.nextInt(5));
            } else if (roll < 89) {
                return TextNode.valueOf(Long.toString(random.nextLong(version * 3 + 3)));
            } else if (roll < 94) {
                return JSON.createObjectNode().put("order", random.nextLong(version + 10));
            }
            return oneOf(random, TextNode.valueOf("zzz"), JSON.createArrayNode().add(1),
                    JSON.getNodeFactory().booleanNode(true), LongNode.valueOf(Cookies.MAX_SAFE_INTEGER),
                    DoubleNode.valueOf(1e300), TextNode.valueOf("9".repeat(16)));
        }

        /** Pulls from the cookie and checks the reply against the model. */
        private void pull(String group, JsonNode cookie) {
            long version = model.version();
            steps.add("pull " + group + " from " + cookie + " at version " + version);
            RawHttp.Reply response = post("pull", JSON.createObjectNode().put("pullVersion", 1).put("clientGroupID", group)
                    .put("profileID", "p").put("schemaVersion", "").set("cookie", cookie));
            assertEquals(200, response.status(), () -> failure(response.body()));
            JsonNode reply = read(response.body());

            if (!Cookies.issuable(cookie, version) && !Cookies.anyGreater(cookie, version)) {
                assertEquals("{\"error\":\"ClientStateNotFound\"}", reply.toString(), () -> failure("no cookie exceeds it"));
                return;
            }
            long replyCookie = reply.path("cookie").asLong(-1);
            JsonNode patch = reply.get("patch");
            assertTrue(reply.path("cookie").isIntegralNumber() && patch != null && patch.isArray()
                    && reply.path("lastMutationIDChanges").isObject(), () -> failure(reply.toString()));
            Set<String> named = new HashSet<>();
            for (JsonNode op : patch) {
                assertTrue(op.path("op").asText().equals("clear") || named.add(op.path("key").asText()),
                        failure(op.path("key") + " twice in the patch " + patch));
            }

            if (Cookies.issuable(cookie, version)) {
                long from = cookie.longValue();
                assertEquals(version, replyCookie, () -> failure("the cookie"));
                assertEquals(model.state(), SpaceModel.applyPatch(model.stateAt(from), patch),
                        failure("the patch " + patch + " from the state at " + from + ": " + model.stateAt(from)));
                assertTrue(model.keysChangedAfter(from).containsAll(named), () -> failure("unchanged keys in " + patch));
                assertEquals(model.lastMutationIDChanges(group, from), lastMutationIDs(reply), () -> failure("ids"));
                return;
            }
            // Everything, and a cookie the client sees as greater than its own: for a number, the next whole one.
            assertEquals("clear", patch.path(0).path("op").asText(), () -> failure("a reset starts with clear: " + patch));
            assertEquals(model.state(), SpaceModel.applyPatch(Map.of(), patch), () -> failure("the whole state " + patch));
            assertTrue(replyCookie >= version && Cookies.greater(replyCookie, cookie),
                    failure("cookie " + replyCookie + " after " + cookie));
            JsonNode value = cookie.isObject() ? cookie.get("order") : cookie;
            if (value.isNumber()) {
                assertEquals(value.doubleValue() < version ? version : (long) Math.floor(value.doubleValue()) + 1,
                        replyCookie, () -> failure("the cookie after " + cookie));
            }
            assertEquals(model.lastMutationIDChanges(group, -1), lastMutationIDs(reply), () -> failure("ids"));
            model.versionMovedTo(replyCookie);
        }

        private RawHttp.Reply post(String endpoint, JsonNode body) {
            return http.post("/api/replicache/" + endpoint, space, body.toString());
        }

        private static JsonNode read(String text) {
            try {
                return JSON.readTree(text);
            } catch (JsonProcessingException e) {
                throw new AssertionError("not JSON: " + text, e);
            }
        }

        private static Map<String, Long> lastMutationIDs(JsonNode reply) {
            Map<String, Long> ids = new HashMap<>();
            reply.get("lastMutationIDChanges").properties()
                    .forEach(entry -> ids.put(entry.getKey(), entry.getValue().asLong()));
            return ids;
        }

        /** What went wrong, with the space and the last steps that led there. */
        private String failure(String what) {
            List<String> last = steps.subList(Math.max(0, steps.size() - 12), steps.size());
            return what + "\nin space " + space + " after:\n  " + String.join("\n  ", last) + "\nmodel state "
                    + model.state() + ", clients " + model.clients();
        }
    }
}
