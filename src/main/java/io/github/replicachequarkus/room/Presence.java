package io.github.replicachequarkus.room;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * Who is in one room and what each shows the others: each client's latest presence state, and what changed since the
 * others were last told. Presence is ephemeral: it lives here only, never in the space.
 * <p>
 * Each entry has an owner: the socket that set it, or the other machine (its id) whose socket did. Only its owner can
 * take it away again, so that a socket that closes after the same client reconnected on a new one (here or on another
 * machine) does not remove the new one's entry.
 * <p>
 * Not thread-safe: its room guards it with one lock.
 */
final class Presence {

    /** A client's presence: {@code state} is a JSON object. */
    record Entry(String clientID, String userID, JsonNode state, Object owner) {

        /** The entry as the others are told of it when it is set. */
        Change asChange() {
            return new Change(clientID, userID, state, owner);
        }
    }

    /**
     * What the others are told of a client: {@code state} null when it left or cleared its state. {@code owner} is the
     * entry's owner, which tells whether the change is this machine's to tell the others.
     */
    record Change(String clientID, String userID, JsonNode state, Object owner) {
    }

    private final Map<String, Entry> present = new LinkedHashMap<>();
    private final Map<String, Change> changed = new LinkedHashMap<>();
    /** Counts the changes to who is present and what each shows (not to who owns an entry). */
    private long version;

    /**
     * The client's state is now {@code state} ({@code null}: cleared), set by {@code owner}. An equal state is no
     * change. A client another user's entry already holds is refused: clients of one id are one user's.
     *
     * @return whether the others are to be told
     */
    boolean set(String clientID, String userID, JsonNode state, Object owner) {
        Entry previous = present.get(clientID);
        if (previous != null && !previous.userID().equals(userID)) {
            return false;
        }
        if (state == null) {
            return previous != null && remove(previous);
        }
        present.put(clientID, new Entry(clientID, userID, state, owner));
        if (previous != null && previous.state().equals(state)) {
            return false;
        }
        changed.put(clientID, new Change(clientID, userID, state, owner));
        version++;
        return true;
    }

    /** The client's entry, if {@code owner} still owns it, is gone; returns whether the others are to be told. */
    boolean leave(String clientID, Object owner) {
        Entry entry = present.get(clientID);
        return entry != null && Objects.equals(entry.owner(), owner) && remove(entry);
    }

    /**
     * A new socket of the client takes over its entry, if the entry is the same user's: the client reconnected, and the
     * others see no leave and join. When the entry was another machine's (the client reconnected to this one), its
     * state counts as changed, so that every machine learns who holds it now. Returns whether the others are to be
     * told.
     */
    boolean adopt(String clientID, String userID, Object owner) {
        Entry entry = present.get(clientID);
        if (entry == null || !entry.userID().equals(userID)) {
            return false;
        }
        present.put(clientID, new Entry(clientID, userID, entry.state(), owner));
        if (entry.owner().getClass() == owner.getClass()) {
            return false;
        }
        changed.put(clientID, new Change(clientID, userID, entry.state(), owner));
        return true;
    }

    /** Who is present now, in the order they first set a state. */
    List<Entry> present() {
        return List.copyOf(present.values());
    }

    /**
     * Changes whenever {@link #present} would list other clients, states or order; stays when only an entry's owner
     * changed (a client reconnected). A present frame built at one version is the frame of every join until the next.
     */
    long version() {
        return version;
    }

    boolean hasChanges() {
        return !changed.isEmpty();
    }

    /** What changed since the last call, only each client's latest; the next call starts afresh. */
    List<Change> takeChanges() {
        List<Change> changes = new ArrayList<>(changed.values());
        changed.clear();
        return changes;
    }

    boolean isEmpty() {
        return present.isEmpty();
    }

    private boolean remove(Entry entry) {
        present.remove(entry.clientID());
        version++;
        changed.put(entry.clientID(), new Change(entry.clientID(), entry.userID(), null, entry.owner()));
        return true;
    }
}
