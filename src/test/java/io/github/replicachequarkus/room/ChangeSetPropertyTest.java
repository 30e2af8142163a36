package io.github.replicachequarkus.room;

import static io.github.replicachequarkus.testing.RandomCases.check;
import static io.github.replicachequarkus.testing.RandomCases.oneOf;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.IntNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.github.replicachequarkus.protocol.Mutation;
import io.github.replicachequarkus.protocol.PatchOperation;
import io.github.replicachequarkus.protocol.PullResponse;
import io.github.replicachequarkus.testing.SpaceModel;

/**
 * The diff a room pokes with ({@link ChangeSet#since}) against the model: for a random history of pushes and every
 * cookie the change set covers, the patch takes the state at the cookie to the state now and names only keys written
 * since, and the last mutation id changes are exactly the group's clients changed since.
 */
class ChangeSetPropertyTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Map<String, String> GROUPS = Map.of("c1", "g1", "c2", "g1", "c3", "g2", "c4", "g3");
    private static final List<String> CLIENTS = List.of("c1", "c2", "c3", "c4");
    private static final List<String> KEYS = List.of("k0", "k1", "k2", "k3");

    /**
     * Random pushes played on the model, each from one client's group: mostly each client's next ids, sometimes a
     * replay or a gap; puts, deletes and failing mutations of a few keys.
     */
    private static SpaceModel randomHistory(Random random) {
        SpaceModel model = new SpaceModel();
        for (int push = random.nextInt(13); push > 0; push--) {
            String first = oneOf(random, CLIENTS);
            List<SpaceModel.Mutation> mutations = new ArrayList<>();
            Map<String, Long> next = new HashMap<>();
            for (int i = 1 + random.nextInt(4); i > 0; i--) {
                String client = i == 1 ? first : oneOf(random, CLIENTS);
                long id = next.computeIfAbsent(client, model::lastMutationID) + oneOf(random, 0, 1, 1, 1, 1, 2);
                next.put(client, Math.max(next.get(client), id));
                SpaceModel.Op op = switch (random.nextInt(4)) {
                    case 0, 1 -> new SpaceModel.Put(oneOf(random, KEYS), IntNode.valueOf(random.nextInt(10)));
                    case 2 -> new SpaceModel.Remove(oneOf(random, KEYS));
                    default -> new SpaceModel.Fail("fails");
                };
                mutations.add(new SpaceModel.Mutation(client, Math.max(1, id), op));
            }
            model.push(GROUPS.get(first), mutations); // refused when another group's client is in it, as the server does
        }
        return model;
    }

    /** What the database holds of the space after {@code fromVersion}: the entries and clients written since. */
    private static ChangeSet read(SpaceModel model, long fromVersion) {
        List<ChangeSet.EntryChange> entries = new ArrayList<>();
        model.rows().forEach((key, row) -> {
            if (row.version() > fromVersion) {
                entries.add(new ChangeSet.EntryChange(key, row.value() == null ? null : row.value().toString(),
                        row.value() == null, row.version()));
            }
        });
        List<ChangeSet.ClientChange> clients = new ArrayList<>();
        model.clients().forEach((id, client) -> {
            if (client.version() > fromVersion) {
                clients.add(new ChangeSet.ClientChange(id, client.group(), client.lastMutationID(), client.version()));
            }
        });
        return new ChangeSet(fromVersion, model.version(), entries, clients);
    }

    private static JsonNode json(List<PatchOperation> patch) throws Exception {
        ArrayNode array = JSON.createArrayNode();
        for (PatchOperation op : patch) {
            ObjectNode node = array.addObject().put("op", op.op());
            if (op.key() != null) {
                node.put("key", op.key());
            }
            if (op.value() != null) {
                node.set("value", JSON.readTree(op.value()));
            }
        }
        return array;
    }

    @Test
    void eachCookieGetsWhatTakesItToTheStateNow() {
        check("change set", 500, random -> {
            SpaceModel model = randomHistory(random);
            long fromVersion = random.nextLong(model.version() + 1);
            ChangeSet changes = read(model, fromVersion);

            for (long cookie = fromVersion; cookie <= model.version(); cookie++) {
                for (String group : List.of("g1", "g2", "g3", "g-none")) {
                    PullResponse response = changes.since(cookie, group);
                    String at = "cookie %d of %d, read from %d, group %s".formatted(cookie, model.version(), fromVersion,
                            group);

                    assertEquals(model.version(), response.cookie(), at);
                    JsonNode patch = json(response.patch());
                    assertEquals(model.state(), SpaceModel.applyPatch(model.stateAt(cookie), patch), at + ": " + patch);
                    Set<String> named = new HashSet<>();
                    for (PatchOperation op : response.patch()) {
                        assertTrue(named.add(op.key()), at + ": " + op.key() + " twice in " + patch);
                    }
                    assertTrue(model.keysChangedAfter(cookie).containsAll(named), at + ": unchanged keys in " + patch);
                    assertEquals(model.lastMutationIDChanges(group, cookie), response.lastMutationIDChanges(), at);
                }
            }
        });
    }
}
