package io.github.replicachequarkus.mutator;

import java.util.Optional;
import java.util.SortedMap;
import java.util.function.Supplier;

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

    /** The client whose mutation this is; empty when the app's backend wrote it (see {@link #byServer()}). */
    String clientID();

    /** The mutation's id within its client; 0 when the app's backend wrote it. */
    long mutationID();

    /**
     * Whether the app's backend made this change, through the server API's {@code mutate} or the {@code SpaceWriter}
     * bean, rather than a client's push: there is no client, and {@link #userID()} is empty. A mutator may allow the
     * server what it refuses clients.
     */
    default boolean byServer() {
        return false;
    }

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

    /**
     * An object the mutations of this transaction share: the one {@code create} makes the first time {@code type} is
     * asked for in this transaction of the space, and that same one every later time, until the transaction ends.
     * <p>
     * The server runs the mutations of many pushes in one transaction, and stores their writes only when it ends: a
     * query of the application's own (an index it keeps on the stored entries, say) does not see what the mutations
     * before this one wrote. What a mutator would otherwise compute for every mutation, such as a figure read once from
     * the database and then kept up to date by the mutators' own writes, belongs here.
     * <p>
     * It is not rolled back with a mutation that fails, whose writes vanish: keep in it only what stays true when they
     * do (a bound that is higher than needed, rather than one that may be too low). A transaction run again, after
     * it lost a race, starts without it.
     *
     * @param type the key, and the class of what {@code create} makes: one object per class and transaction
     * @param create makes the object (not {@code null}); it may read through this transaction
     */
    <T> T shared(Class<T> type, Supplier<? extends T> create);
}
