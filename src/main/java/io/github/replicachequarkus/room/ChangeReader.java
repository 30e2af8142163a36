package io.github.replicachequarkus.room;

import java.util.List;

import jakarta.enterprise.context.ApplicationScoped;

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
     * Everything that changed in the space after the version, read as one snapshot in one statement
     * ({@link Space#changesAfter}): what a room needs to poke all its
     * sockets whose cookies are at least {@code fromVersion}. A space that does not exist has no changes. When
     * tombstones after {@code fromVersion} were purged, the changes start later (their {@code fromVersion} says where):
     * a socket with an older cookie needs the whole state.
     */
    ChangeSet changesSince(String spaceID, long fromVersion) {
        Space.Changes read = Transactions.withRetry("changes of " + spaceID, config.transactionAttempts(),
                () -> Space.changesAfter(spaceID, fromVersion));
        if (read.deleted()) {
            return ChangeSet.deleted(fromVersion, read.version());
        }
        if (!read.exists() || read.version() <= fromVersion) {
            return new ChangeSet(fromVersion, read.exists() ? read.version() : fromVersion, List.of(), List.of());
        }
        return new ChangeSet(read.from(), read.version(),
                read.entries().stream()
                        .map(entry -> new ChangeSet.EntryChange(entry.key(), entry.value(), entry.deleted(), entry.version()))
                        .toList(),
                read.clients().stream().map(client -> new ChangeSet.ClientChange(client.clientID(), client.clientGroupID(),
                        client.lastMutationID(), client.lastModifiedVersion())).toList());
    }
}
