package io.github.replicachequarkus.room;

import java.util.List;

import jakarta.enterprise.context.ApplicationScoped;

import io.github.replicachequarkus.store.ClientRecord;
import io.github.replicachequarkus.store.Entry;
import io.github.replicachequarkus.store.Space;
import io.github.replicachequarkus.store.Transactions;
import io.github.replicachequarkus.sync.SyncConfig;

/** Reads what changed in a space for its room: the database work of a broadcast pass ({@link Room}). */
@ApplicationScoped
class ChangeReader {

    private final SyncConfig config;

    ChangeReader(SyncConfig config) {
        this.config = config;
    }

    /**
     * Everything that changed in the space after the version, read as one snapshot: what a room needs to poke all its
     * sockets whose cookies are at least {@code fromVersion}. A space that does not exist has no changes. When
     * tombstones after {@code fromVersion} were purged, the changes start later (their {@code fromVersion} says where):
     * a socket with an older cookie needs the whole state.
     */
    ChangeSet changesSince(String spaceID, long fromVersion) {
        return Transactions.withRetry("changes of " + spaceID, config.transactionAttempts(), () -> {
            Transactions.repeatableRead();
            Space space = Space.findById(spaceID);
            if (space != null && space.deleted()) {
                return ChangeSet.deleted(fromVersion, space.version);
            }
            if (space == null || space.version <= fromVersion) {
                return new ChangeSet(fromVersion, space == null ? fromVersion : space.version, List.of(), List.of());
            }
            long from = Math.max(fromVersion, space.purgedVersion);
            List<ChangeSet.EntryChange> entries = Entry.changedAfterWithVersions(spaceID, from).stream()
                    .map(entry -> new ChangeSet.EntryChange(entry.key(), entry.value(), entry.deleted(), entry.version()))
                    .toList();
            List<ChangeSet.ClientChange> clients = ClientRecord.allChangedAfter(spaceID, from).stream()
                    .map(client -> new ChangeSet.ClientChange(client.clientID(), client.clientGroupID(),
                            client.lastMutationID(), client.lastModifiedVersion()))
                    .toList();
            return new ChangeSet(from, space.version, entries, clients);
        });
    }
}
