package io.github.replicachequarkus.sync;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.SortedMap;
import java.util.function.Supplier;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.github.replicachequarkus.mutator.WriteTransaction;

/**
 * The {@link WriteTransaction} of one mutation: its own writes, over its space as the batch's mutations before it left
 * it ({@link SpaceWrites}). Reads see its writes first, then the batch's, then the database's. When the mutator
 * succeeds, {@link #flush()} hands its writes to the space; when it fails, this is dropped, and its writes with it.
 */
final class MutationWrites implements WriteTransaction {

    private final SpaceWrites space;
    private final ObjectMapper mapper;
    private final Optional<String> userID;
    private final String clientID;
    private final long mutationID;
    private final boolean byServer;

    /** Each key's last write in this mutation, in the order first written. */
    private final Map<String, Write> writes = new LinkedHashMap<>();

    MutationWrites(SpaceWrites space, ObjectMapper mapper, Optional<String> userID, String clientID, long mutationID,
            boolean byServer) {
        this.byServer = byServer;
        this.space = space;
        this.mapper = mapper;
        this.userID = userID;
        this.clientID = clientID;
        this.mutationID = mutationID;
    }

    /** The mutator succeeded: its writes become the space's, for the mutations after it and for the batch to store. */
    void flush() {
        writes.forEach((key, write) -> {
            if (write.deletes()) {
                space.delete(key);
            } else {
                space.put(key, write.node(), write.json());
            }
        });
        writes.clear();
    }

    @Override
    public String spaceID() {
        return space.spaceID();
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
    public boolean byServer() {
        return byServer;
    }

    @Override
    public Optional<JsonNode> get(String key) {
        Write own = writes.get(key);
        if (own == null) {
            return space.get(key);
        }
        return own.deletes() ? Optional.empty() : Optional.of(own.node().deepCopy());
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
        space.checkKey(key);
        JsonNode node = value instanceof JsonNode json ? json.deepCopy() : mapper.valueToTree(value);
        String json = json(node);
        space.checkValue(key, json);
        writes.put(key, new Write(node, json));
    }

    @Override
    public boolean del(String key) {
        space.checkKey(key);
        boolean existed = has(key);
        writes.put(key, Write.DELETE);
        return existed;
    }

    @Override
    public SortedMap<String, JsonNode> scan(String prefix) {
        SortedMap<String, JsonNode> result = space.scan(prefix);
        writes.forEach((key, write) -> {
            if (!key.startsWith(prefix)) {
                return;
            }
            if (write.deletes()) {
                result.remove(key);
            } else {
                result.put(key, write.node().deepCopy());
            }
        });
        return result;
    }

    @Override
    public <T> T shared(Class<T> type, Supplier<? extends T> create) {
        return space.shared(type, create);
    }

    /**
     * A key's last write in this mutation: a value, with its JSON text (made once, to check its size and to store it);
     * or a delete, with neither.
     */
    private record Write(JsonNode node, String json) {

        static final Write DELETE = new Write(null, null);

        boolean deletes() {
            return json == null;
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
