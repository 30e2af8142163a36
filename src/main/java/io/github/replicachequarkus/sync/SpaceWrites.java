package io.github.replicachequarkus.sync;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
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

import io.github.replicachequarkus.protocol.StorableText;
import io.github.replicachequarkus.store.PushRows;

/**
 * One space's entries as a batch of pushes sees them: the writes of the mutations that succeeded so far, over what the
 * batch read of the space's rows (which its lock keeps true until the transaction ends). The writes are what the batch
 * stores at the end ({@link #written()}, stamped with its new version of the space).
 * <p>
 * Each mutation runs against a {@link MutationWrites} of its own, a layer on top of this one: flushed into it when
 * the mutator succeeds, dropped when it fails. That is the savepoint a failing mutator needs, kept in memory rather
 * than in the database.
 */
final class SpaceWrites {

    /** The space's rows, read when a mutator asks for what the batch did not read ahead. */
    interface Rows {

        /** What is stored at the key (a storable one), or {@code null} when it has no row. */
        PushRows.Stored entry(String key);

        /** The live entries whose key starts with the prefix (storable text): key to JSON text. */
        Map<String, String> liveWithPrefix(String prefix);

        /** The space's rows in the transaction that holds its lock. */
        static Rows of(PushRows rows, String spaceID) {
            return new Rows() {
                @Override
                public PushRows.Stored entry(String key) {
                    return rows.entry(spaceID, key);
                }

                @Override
                public Map<String, String> liveWithPrefix(String prefix) {
                    return rows.liveWithPrefix(spaceID, prefix);
                }
            };
        }
    }

    private final Rows rows;
    private final String spaceID;
    private final long version;
    private final ObjectMapper mapper;
    private final int maxKeyBytes;
    private final long maxValueBytes;

    /** What the database holds at each key read so far; {@code null}: no row. */
    private final Map<String, PushRows.Stored> read = new HashMap<>();
    /** What the mutations that succeeded wrote: each key's last value or a tombstone, in the order first written. */
    private final Map<String, Written> pending = new LinkedHashMap<>();
    /** What the mutators share for the rest of this transaction, by class (see {@link #shared}). */
    private final Map<Class<?>, Object> shared = new HashMap<>();

    /**
     * @param rows the space's rows in this transaction, which holds the space's lock
     * @param version the space's version as locked: this transaction's changes will be the next one
     */
    SpaceWrites(Rows rows, String spaceID, long version, ObjectMapper mapper, int maxKeyBytes, long maxValueBytes) {
        this.rows = rows;
        this.spaceID = spaceID;
        this.version = version + 1;
        this.mapper = mapper;
        this.maxKeyBytes = maxKeyBytes;
        this.maxValueBytes = maxValueBytes;
    }

    String spaceID() {
        return spaceID;
    }

    /** The version this transaction's changes to the space get. */
    long version() {
        return version;
    }

    /** What the batch read ahead for the space: each key asked for, with its row or without one. */
    void known(Set<String> keys, Map<String, PushRows.Stored> found) {
        keys.forEach(key -> read.put(key, found.get(key)));
    }

    /**
     * A layer for one mutation, on top of what the mutations before it left.
     *
     * @param userID who pushed it: the pushes of one transaction may come from different users
     * @param byServer whether the app's backend wrote it (no client: {@code clientID} is empty)
     */
    MutationWrites mutation(Optional<String> userID, String clientID, long mutationID, boolean byServer) {
        return new MutationWrites(this, mapper, userID, clientID, mutationID, byServer);
    }

    /** Whether the mutations that succeeded so far wrote anything. */
    boolean hasWrites() {
        return !pending.isEmpty();
    }

    /** The rows the mutations that succeeded leave: each changed key once, with its last value or a tombstone. */
    List<PushRows.EntryWrite> written() {
        List<PushRows.EntryWrite> written = new ArrayList<>(pending.size());
        pending.forEach((key, write) -> written.add(new PushRows.EntryWrite(spaceID, key, write.json(), version)));
        return written;
    }

    /** The value at the key after the mutations that succeeded, if there is one. */
    Optional<JsonNode> get(String key) {
        Written write = pending.get(key);
        if (write != null) {
            return write.deleted() ? Optional.empty() : Optional.of(write.node().deepCopy());
        }
        PushRows.Stored stored = row(key);
        return stored == null || stored.deleted() ? Optional.empty() : Optional.of(parse(key, stored.value()));
    }

    /**
     * The keys that start with the prefix after the mutations that succeeded, sorted as the client sorts them (by
     * UTF-16 code units, as String does), not as the database does.
     */
    SortedMap<String, JsonNode> scan(String prefix) {
        // No stored key starts with a prefix that is not storable text.
        Map<String, String> live = StorableText.isStorable(prefix) ? rows.liveWithPrefix(prefix) : Map.of();
        live.forEach((key, value) -> read.putIfAbsent(key, new PushRows.Stored(value, false)));
        SortedMap<String, JsonNode> result = new TreeMap<>();
        live.forEach((key, value) -> {
            if (!pending.containsKey(key)) {
                result.put(key, parse(key, value));
            }
        });
        pending.forEach((key, write) -> {
            if (key.startsWith(prefix) && !write.deleted()) {
                result.put(key, write.node().deepCopy());
            }
        });
        return result;
    }

    /**
     * A put of a mutation that succeeded: the value, which this takes over (the mutation's layer is done with it), and
     * its JSON text, which the batch will store at the key. Later reads copy the value rather than parse the text again.
     */
    void put(String key, JsonNode value, String json) {
        pending.put(key, new Written(value, json));
    }

    /**
     * A delete of a mutation that succeeded: the batch will store a tombstone at the key, unless the key never had a row
     * nor a write (a put needs no such read: it upserts).
     */
    void delete(String key) {
        if (pending.containsKey(key) || row(key) != null) {
            pending.put(key, Written.TOMBSTONE);
        }
    }

    /** What the mutators of this transaction share, see {@code WriteTransaction.shared}. */
    <T> T shared(Class<T> type, Supplier<? extends T> create) {
        Object found = shared.get(type);
        if (found == null) {
            found = Objects.requireNonNull(create.get(), "shared(" + type.getSimpleName() + ") made null");
            shared.put(type, found);
        }
        return type.cast(found);
    }

    /** @throws IllegalArgumentException when the key may not be stored */
    void checkKey(String key) {
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

    /** @throws IllegalArgumentException when the value's JSON text may not be stored */
    void checkValue(String key, String json) {
        if (!StorableText.isStorable(json)) {
            throw new IllegalArgumentException("the value for '%s' has text with an unpaired surrogate".formatted(key));
        }
        long size = json.getBytes(StandardCharsets.UTF_8).length;
        if (size > maxValueBytes) {
            throw new IllegalArgumentException(
                    "the value for '%s' is %d bytes of JSON, more than the %d allowed".formatted(key, size, maxValueBytes));
        }
    }

    /** What the database holds at the key, read once; {@code null}: no row. */
    private PushRows.Stored row(String key) {
        if (read.containsKey(key)) {
            return read.get(key);
        }
        PushRows.Stored row = StorableText.isStorable(key) ? rows.entry(key) : null; // no other key is stored
        read.put(key, row);
        return row;
    }

    /** A key's last write in the batch: a value with its JSON text, or a tombstone with neither. */
    private record Written(JsonNode node, String json) {

        static final Written TOMBSTONE = new Written(null, null);

        boolean deleted() {
            return json == null;
        }
    }

    private JsonNode parse(String key, String value) {
        try {
            return mapper.readTree(value);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("stored value of '" + key + "' in space " + spaceID + " is not JSON", e);
        }
    }
}
