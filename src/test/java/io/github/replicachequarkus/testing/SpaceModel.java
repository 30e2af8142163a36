package io.github.replicachequarkus.testing;

import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * One space as the protocol says it should be (docs/protocol.md, sections Spaces, versions and cookies, and Push),
 * kept in memory: the oracle that property-based tests hold the server to. It knows nothing of how the server stores
 * or computes anything.
 * <ul>
 * <li>entries: a key's value, or a tombstone once deleted, each with the version that last wrote it;</li>
 * <li>clients: each one's group, last mutation id and the version that last changed it;</li>
 * <li>the space's version, and the live state after every version, to check a pull from any earlier cookie.</li>
 * </ul>
 */
public final class SpaceModel {

    /** What a mutation does to the entries when the server runs it. */
    public sealed interface Op {
    }

    /** Puts the value at the key. */
    public record Put(String key, JsonNode value) implements Op {
    }

    /** Deletes the key (a tombstone if it was ever written; nothing otherwise). */
    public record Remove(String key) implements Op {
    }

    /** A mutation that fails (its mutator throws, is unknown, or its args do not parse): no entry changes. */
    public record Fail(String why) implements Op {
    }

    public record Mutation(String clientID, long id, Op op) {
    }

    /** An entry: its value, or {@code null} for a tombstone, and the version that last wrote it. */
    public record Row(JsonNode value, long version) {
    }

    public record Client(String group, long lastMutationID, long version) {
    }

    private long version;
    private final Map<String, Row> rows = new TreeMap<>();
    private final Map<String, Client> clients = new HashMap<>();
    /** The live state after each version that changed it (the state at v is the one at the greatest key <= v). */
    private final TreeMap<Long, Map<String, JsonNode>> history = new TreeMap<>(Map.of(0L, Map.of()));

    public long version() {
        return version;
    }

    public Map<String, Row> rows() {
        return Map.copyOf(rows);
    }

    public Map<String, Client> clients() {
        return Map.copyOf(clients);
    }

    /** The group of the client, or {@code null} while it does not exist. */
    public String groupOf(String clientID) {
        Client client = clients.get(clientID);
        return client == null ? null : client.group();
    }

    public long lastMutationID(String clientID) {
        Client client = clients.get(clientID);
        return client == null ? 0 : client.lastMutationID();
    }

    /**
     * Applies a push as section 4 says.
     *
     * @return false when the push is refused (one of its clients belongs to another group; a client of another space is
     *         nothing to this one): nothing changed
     */
    public boolean push(String group, List<Mutation> mutations) {
        for (Mutation mutation : mutations) {
            String owner = groupOf(mutation.clientID());
            if (owner != null && !owner.equals(group)) {
                return false;
            }
        }
        long next = version + 1;
        Set<String> stopped = new HashSet<>();
        boolean changed = false;
        for (Mutation mutation : mutations) {
            String clientID = mutation.clientID();
            long last = lastMutationID(clientID);
            if (stopped.contains(clientID) || mutation.id() <= last) {
                continue; // after a gap, or already processed
            }
            if (mutation.id() > last + 1) {
                stopped.add(clientID); // a gap: the client re-sends the rest later
                continue;
            }
            switch (mutation.op()) {
                case Put put -> rows.put(put.key(), new Row(put.value(), next));
                case Remove remove -> {
                    if (rows.containsKey(remove.key())) {
                        rows.put(remove.key(), new Row(null, next));
                    }
                }
                case Fail ignored -> {
                }
            }
            clients.put(clientID, new Client(group, mutation.id(), next));
            changed = true;
        }
        if (changed) {
            version = next;
            history.put(version, state());
        }
        return true;
    }

    /** A pull with a cookie the server never issued moved the version up to this, changing no data. */
    public void versionMovedTo(long newVersion) {
        if (newVersion > version) {
            version = newVersion;
        }
    }

    /** The live entries now. */
    public Map<String, JsonNode> state() {
        Map<String, JsonNode> state = new TreeMap<>();
        rows.forEach((key, row) -> {
            if (row.value() != null) {
                state.put(key, row.value());
            }
        });
        return state;
    }

    /** The live entries as they were at the version. */
    public Map<String, JsonNode> stateAt(long atVersion) {
        return history.floorEntry(atVersion).getValue();
    }

    /** The keys written (put or deleted) after the version: the only ones a pull from it may name. */
    public Set<String> keysChangedAfter(long afterVersion) {
        Set<String> keys = new HashSet<>();
        rows.forEach((key, row) -> {
            if (row.version() > afterVersion) {
                keys.add(key);
            }
        });
        return keys;
    }

    /**
     * The state after a pull's patch is applied to it, as the client applies it: {@code clear} empties it, {@code put}
     * sets a key, {@code del} removes one.
     */
    public static Map<String, JsonNode> applyPatch(Map<String, JsonNode> state, JsonNode patch) {
        Map<String, JsonNode> after = new TreeMap<>(state);
        for (JsonNode op : patch) {
            switch (op.path("op").asText()) {
                case "clear" -> after.clear();
                case "put" -> after.put(op.get("key").textValue(), op.get("value"));
                case "del" -> after.remove(op.get("key").textValue());
                default -> throw new AssertionError("not a patch operation: " + op);
            }
        }
        return after;
    }

    /** The group's clients whose last mutation id changed after the version, with their last mutation id. */
    public Map<String, Long> lastMutationIDChanges(String group, long afterVersion) {
        Map<String, Long> changes = new LinkedHashMap<>();
        clients.forEach((id, client) -> {
            if (client.group().equals(group) && client.version() > afterVersion) {
                changes.put(id, client.lastMutationID());
            }
        });
        return changes;
    }
}
