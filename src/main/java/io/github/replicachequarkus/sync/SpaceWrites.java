package io.github.replicachequarkus.sync;

import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeMap;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.github.replicachequarkus.mutator.WriteTransaction;
import io.github.replicachequarkus.store.Entry;
import io.github.replicachequarkus.store.Space;

/**
 * The {@link WriteTransaction} of one space's pushes in a transaction: mutators read the space's entries through it,
 * and their writes are held back per mutation. {@link #commitMutation()} applies a mutation's writes to the entries
 * (stamped with the transaction's new version of the space); {@link #rollbackMutation()} forgets them, which is the
 * savepoint a failing mutator needs, kept in memory rather than in the database.
 */
final class SpaceWrites implements WriteTransaction {

    private final Space space;
    private final String spaceID;
    private final long version;
    private final ObjectMapper mapper;
    private final int maxKeyBytes;
    private final long maxValueBytes;

    /** The entries read or written so far in this push; a key mapped to null has no row. */
    private final Map<String, Entry> entries = new HashMap<>();
    /** The running mutation's writes: a value with its JSON text, or empty for a delete. */
    private final Map<String, Optional<Written>> pending = new HashMap<>();
    private Optional<String> userID = Optional.empty();
    private String clientID;
    private long mutationID;

    /** @param space the space, locked by this transaction: its changes will be the next version */
    SpaceWrites(Space space, ObjectMapper mapper, int maxKeyBytes, long maxValueBytes) {
        this.space = space;
        this.spaceID = space.id;
        this.version = space.version + 1;
        this.mapper = mapper;
        this.maxKeyBytes = maxKeyBytes;
        this.maxValueBytes = maxValueBytes;
    }

    Space space() {
        return space;
    }

    /** The version this transaction's changes to the space get. */
    long version() {
        return version;
    }

    /** The pushes of one transaction may come from different users. */
    void beginPush(Optional<String> userID) {
        this.userID = userID;
    }

    void beginMutation(String clientID, long mutationID) {
        this.clientID = clientID;
        this.mutationID = mutationID;
        pending.clear();
    }

    void commitMutation() {
        pending.forEach((key, value) -> {
            Entry entry = load(key);
            if (entry == null) {
                if (value.isEmpty()) {
                    return;
                }
                entry = new Entry();
                entry.spaceId = spaceID;
                entry.key = key;
                entries.put(key, entry);
                entry.value = value.get().json();
                entry.version = version;
                entry.persist();
            } else {
                entry.value = value.map(Written::json).orElse(null);
                entry.deleted = value.isEmpty();
                entry.version = version;
            }
        });
        pending.clear();
    }

    void rollbackMutation() {
        pending.clear();
    }

    @Override
    public String spaceID() {
        return spaceID;
    }

    @Override
    public Optional<String> userID() {
        return userID;
    }

    @Override
    public String clientID() {
        return clientID;
    }

    @Override
    public long mutationID() {
        return mutationID;
    }

    @Override
    public Optional<JsonNode> get(String key) {
        Optional<Written> written = pending.get(key);
        if (written != null) {
            return written.map(value -> value.node().deepCopy());
        }
        Entry entry = load(key);
        return entry == null || entry.deleted ? Optional.empty() : Optional.of(parse(entry));
    }

    @Override
    public <T> Optional<T> get(String key, Class<T> type) {
        return get(key).map(node -> {
            try {
                return mapper.treeToValue(node, type);
            } catch (JsonProcessingException e) {
                throw new IllegalArgumentException("the value at '" + key + "' does not read as " + type.getSimpleName());
            }
        });
    }

    @Override
    public boolean has(String key) {
        return get(key).isPresent();
    }

    @Override
    public void put(String key, Object value) {
        checkKey(key);
        JsonNode node = value instanceof JsonNode json ? json.deepCopy() : mapper.valueToTree(value);
        String json = json(node);
        if (!StorableText.isStorable(json)) {
            throw new IllegalArgumentException("the value for '%s' has text with an unpaired surrogate".formatted(key));
        }
        long size = json.getBytes(StandardCharsets.UTF_8).length;
        if (size > maxValueBytes) {
            throw new IllegalArgumentException(
                    "the value for '%s' is %d bytes of JSON, more than the %d allowed".formatted(key, size, maxValueBytes));
        }
        pending.put(key, Optional.of(new Written(node, json)));
    }

    @Override
    public boolean del(String key) {
        checkKey(key);
        boolean existed = has(key);
        pending.put(key, Optional.empty());
        return existed;
    }

    @Override
    public SortedMap<String, JsonNode> scan(String prefix) {
        SortedMap<String, JsonNode> result = new TreeMap<>();
        // Entries changed earlier in this push are managed by Hibernate, which flushes them before the query runs. No
        // stored key starts with a prefix that is not storable text.
        for (Entry entry : StorableText.isStorable(prefix) ? Entry.liveWithPrefix(spaceID, prefix) : List.<Entry> of()) {
            entries.put(entry.key, entry);
            result.put(entry.key, parse(entry));
        }
        pending.forEach((key, value) -> {
            if (key.startsWith(prefix)) {
                value.ifPresentOrElse(written -> result.put(key, written.node().deepCopy()), () -> result.remove(key));
            }
        });
        return result;
    }

    /** A value a mutator wrote, and its JSON text (made once, to check its size and to store it). */
    private record Written(JsonNode node, String json) {
    }

    private Entry load(String key) {
        if (entries.containsKey(key)) {
            return entries.get(key);
        }
        Entry entry = StorableText.isStorable(key) ? Entry.findByKey(spaceID, key) : null; // no such key is stored
        entries.put(key, entry);
        return entry;
    }

    private void checkKey(String key) {
        if (key == null || key.isEmpty()) {
            throw new IllegalArgumentException("a key must be a non-empty string");
        }
        if (!StorableText.isStorable(key)) {
            throw new IllegalArgumentException("a key must be Unicode text without NUL characters or unpaired surrogates");
        }
        int bytes = key.getBytes(StandardCharsets.UTF_8).length;
        if (bytes > maxKeyBytes) {
            throw new IllegalArgumentException("a key is %d bytes, more than the %d allowed".formatted(bytes, maxKeyBytes));
        }
    }

    private JsonNode parse(Entry entry) {
        try {
            return mapper.readTree(entry.value);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("stored value of '" + entry.key + "' in space " + spaceID + " is not JSON", e);
        }
    }

    private String json(JsonNode node) {
        try {
            return mapper.writeValueAsString(node);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("the value does not write as JSON", e);
        }
    }
}
