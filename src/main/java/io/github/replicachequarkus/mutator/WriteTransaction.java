package io.github.replicachequarkus.mutator;

import java.util.Optional;
import java.util.SortedMap;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * What a {@link Mutator} sees of its space: the space's data as of the mutations before it in the same push, plus its
 * own writes. Its writes become visible to others only when the whole push commits, and vanish if the mutator throws.
 */
public interface WriteTransaction {

    /** The space being changed. */
    String spaceID();

    /** The authenticated user who pushed the mutation (a token's {@code sub}); empty when auth is open. */
    Optional<String> userID();

    /** The client whose mutation this is. */
    String clientID();

    /** The mutation's id within its client. */
    long mutationID();

    /** The value at the key, if there is one. */
    Optional<JsonNode> get(String key);

    /**
     * The value at the key read into the type (Jackson), if there is one. For the native image, a type of the
     * application's needs {@code @RegisterForReflection}, as an args type does.
     */
    <T> Optional<T> get(String key, Class<T> type);

    boolean has(String key);

    /**
     * Stores the value (anything Jackson writes as JSON) at the key, replacing what was there. For the native image, a
     * value of a type of the application's needs {@code @RegisterForReflection}.
     */
    void put(String key, Object value);

    /** Deletes the key; tells whether there was a value to delete. */
    boolean del(String key);

    /** The keys that start with the prefix ({@code ""} for all), in the order the Replicache client sorts them. */
    SortedMap<String, JsonNode> scan(String prefix);
}
