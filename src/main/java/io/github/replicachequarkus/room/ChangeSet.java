package io.github.replicachequarkus.room;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import io.github.replicachequarkus.protocol.PatchOperation;
import io.github.replicachequarkus.protocol.PullResponse;

/**
 * What changed in a space after {@code fromVersion}, up to {@code version}: the entries (deletes included) and the
 * clients, each with the version that last changed it. One read serves every reader whose cookie is at least
 * {@code fromVersion}: a room reads once per change and answers each of its sockets from it.
 *
 * @param spaceDeleted the space was deleted (through the server API): there is nothing to send, and its sockets are
 *        closed
 */
record ChangeSet(long fromVersion, long version, List<EntryChange> entries, List<ClientChange> clients,
        boolean spaceDeleted) {

    ChangeSet(long fromVersion, long version, List<EntryChange> entries, List<ClientChange> clients) {
        this(fromVersion, version, entries, clients, false);
    }

    /** The space was deleted at {@code version}. */
    static ChangeSet deleted(long fromVersion, long version) {
        return new ChangeSet(fromVersion, version, List.of(), List.of(), true);
    }

    /** An entry as of {@code version}; {@code value} is JSON text, null when deleted. */
    public record EntryChange(String key, String value, boolean deleted, long version) {
    }

    public record ClientChange(String clientID, String clientGroupID, long lastMutationID, long version) {
    }

    /**
     * Whether a client of the group holding {@code cookie} gets {@code lastMutationIDChanges}: if not, its response is
     * the same as every other group's with that cookie, and one poke serves them all.
     */
    public boolean changesClientsOf(long cookie, String clientGroupID) {
        for (ClientChange client : clients) {
            if (client.version() > cookie && client.clientGroupID().equals(clientGroupID)) {
                return true;
            }
        }
        return false;
    }

    /**
     * The pull response for a client of the group holding {@code cookie}: the entries and the group's clients changed
     * after it, and this change set's version as the new cookie.
     *
     * @throws IllegalArgumentException when the cookie is older than what this change set covers
     */
    public PullResponse since(long cookie, String clientGroupID) {
        if (cookie < fromVersion) {
            throw new IllegalArgumentException("cookie " + cookie + " is older than the changes read from " + fromVersion);
        }
        List<PatchOperation> patch = new ArrayList<>();
        for (EntryChange entry : entries) {
            if (entry.version() > cookie) {
                patch.add(entry.deleted() ? PatchOperation.del(entry.key()) : PatchOperation.put(entry.key(), entry.value()));
            }
        }
        Map<String, Long> lastMutationIDs = new LinkedHashMap<>();
        for (ClientChange client : clients) {
            if (client.version() > cookie && client.clientGroupID().equals(clientGroupID)) {
                lastMutationIDs.put(client.clientID(), client.lastMutationID());
            }
        }
        return new PullResponse(Math.max(version, cookie), lastMutationIDs, patch);
    }
}
