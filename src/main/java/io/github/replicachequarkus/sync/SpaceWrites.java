package io.github.replicachequarkus.sync;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.function.Supplier;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.github.replicachequarkus.mutator.WriteTransaction;
import io.github.replicachequarkus.protocol.StorableText;
import io.github.replicachequarkus.store.PushRows;

/**
 * The {@link WriteTransaction} of one space's pushes in a transaction: mutators read the space's entries through it,
 * and their writes are held back per mutation. {@link #commitMutation()} applies a mutation's writes to what this
 * transaction will store (stamped with its new version of the space); {@link #rollbackMutation()} forgets them, which
 * is the savepoint a failing mutator needs, kept in memory rather than in the database. {@link #written()} is what the
 * transaction stores at the end, one row per key.
 */
final class SpaceWrites implements WriteTransaction {

    private final PushRows rows;
    private final String spaceID;
    private final long version;
    private final ObjectMapper mapper;
    private final int maxKeyBytes;
    private final long maxValueBytes;

    /** What is stored at each key read or written so far, as of the last committed mutation; null: no row. */
    private final Map<String, PushRows.Stored> entries = new HashMap<>();
    /** The keys the committed mutations changed, in the order they first did. */
    private final Set<String> changed = new LinkedHashSet<>();
    /** The running mutation's writes: a value with its JSON text, or empty for a delete. */
    private final Map<String, Optional<Written>> pending = new HashMap<>();
    /** What the mutators share for the rest of this transaction, by class (see {@link #shared}). */
    private final Map<Class<?>, Object> shared = new HashMap<>();
    private Optional<String> userID = Optional.empty();
    private String clientID;
    private long mutationID;

    /**
     * @param rows the rows of this transaction, which holds the space's lock
     * @param version the space's version as locked: this transaction's changes will be the next one
     */
    SpaceWrites(PushRows rows, String spaceID, long version, ObjectMapper mapper, int maxKeyBytes, long maxValueBytes) {
        this.rows = rows;
        this.spaceID = spaceID;
        this.version = version + 1;
        this.mapper = mapper;
        this.maxKeyBytes = maxKeyBytes;
        this.maxValueBytes = maxValueBytes;
    }

    /** The version this transaction's changes to the space get. */
    long version() {
        return version;
    }

    /** What the batch read ahead for the space: each key asked for, with its row or without one. */
    void known(Set<String> keys, Map<String, PushRows.Stored> found) {
        keys.forEach(key -> entries.put(key, found.get(key)));
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
            if (value.isEmpty() && load(key) == null) {
                return; // deleting a key that was never stored leaves no tombstone (a put needs no read: it upserts)
            }
            entries.put(key, new PushRows.Stored(value.map(Written::json).orElse(null), value.isEmpty()));
            changed.add(key);
        });
        pending.clear();
    }

    void rollbackMutation() {
        pending.clear();
    }

    /** The rows the committed mutations leave: each changed key once, with its last value or a tombstone. */
    List<PushRows.EntryWrite> written() {
        List<PushRows.EntryWrite> written = new ArrayList<>(changed.size());
        for (String key : changed) {
            written.add(new PushRows.EntryWrite(spaceID, key, entries.get(key).value(), version));
        }
        return written;
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
        PushRows.Stored stored = load(key);
        return stored == null || stored.deleted() ? Optional.empty() : Optional.of(parse(key, stored.value()));
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
        // No stored key starts with a prefix that is not storable text.
        Map<String, String> live = StorableText.isStorable(prefix) ? rows.liveWithPrefix(spaceID, prefix) : Map.of();
        live.forEach((key, value) -> entries.putIfAbsent(key, new PushRows.Stored(value, false)));
        // Keys are sorted as the client sorts them (by UTF-16 code units, as String does), not as the database does.
        SortedMap<String, JsonNode> result = new TreeMap<>();
        live.forEach((key, value) -> {
            if (!changed.contains(key)) {
                result.put(key, parse(key, value));
            }
        });
        for (String key : changed) {
            PushRows.Stored stored = entries.get(key);
            if (key.startsWith(prefix) && !stored.deleted()) {
                result.put(key, parse(key, stored.value()));
            }
        }
        pending.forEach((key, value) -> {
            if (key.startsWith(prefix)) {
                value.ifPresentOrElse(written -> result.put(key, written.node().deepCopy()), () -> result.remove(key));
            }
        });
        return result;
    }

    @Override
    public <T> T shared(Class<T> type, Supplier<? extends T> create) {
        Object found = shared.get(type);
        if (found == null) {
            found = Objects.requireNonNull(create.get(), "shared(" + type.getSimpleName() + ") made null");
            shared.put(type, found);
        }
        return type.cast(found);
    }

    /** A value a mutator wrote, and its JSON text (made once, to check its size and to store it). */
    private record Written(JsonNode node, String json) {
    }

    private PushRows.Stored load(String key) {
        if (entries.containsKey(key)) {
            return entries.get(key);
        }
        PushRows.Stored stored = StorableText.isStorable(key) ? rows.entry(spaceID, key) : null; // no such key is stored
        entries.put(key, stored);
        return stored;
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

    private JsonNode parse(String key, String value) {
        try {
            return mapper.readTree(value);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("stored value of '" + key + "' in space " + spaceID + " is not JSON", e);
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
