package io.github.replicachequarkus.sync;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import jakarta.enterprise.context.ApplicationScoped;

import io.github.replicachequarkus.gc.ClientGroups;
import io.github.replicachequarkus.store.ClientRecord;
import io.github.replicachequarkus.store.Entry;
import io.github.replicachequarkus.store.Space;

/**
 * Answers pulls. The data and the client rows are read in one REPEATABLE READ transaction, a snapshot: a push that
 * commits meanwhile is either wholly in the reply or wholly in the next one.
 */
@ApplicationScoped
public class PullService {

    private final SyncConfig config;
    private final SyncMetrics metrics;
    private final ClientGroups groups;

    PullService(SyncConfig config, SyncMetrics metrics, ClientGroups groups) {
        this.config = config;
        this.metrics = metrics;
        this.groups = groups;
    }

    /** The reply to a pull: a {@link PullResponse} or a {@link ProtocolError}. */
    public sealed interface Reply {
    }

    public record Pulled(PullResponse response) implements Reply {
    }

    public record Refused(ProtocolError error) implements Reply {
    }

    public Reply pull(String spaceID, PullRequest request) {
        SpaceId.require(spaceID);
        if (request == null) {
            throw new InvalidRequestException("InvalidRequest", "the body must be a PullRequest JSON object");
        }
        if (request.pullVersion() == null) {
            throw new InvalidRequestException("InvalidRequest", "pullVersion is required");
        }
        if (request.pullVersion() != 1) {
            return new Refused(ProtocolError.versionNotSupported("pull"));
        }
        request.validate();
        if (!config.acceptsSchema(request.schemaVersion())) {
            return new Refused(ProtocolError.versionNotSupported("schema"));
        }
        Reply reply = Transactions.withRetry("pull of " + spaceID, config.transactionAttempts(),
                () -> read(spaceID, request));
        if (reply instanceof Pulled pulled) {
            metrics.pulled(pulled.response());
        }
        return reply;
    }

    /**
     * Everything that changed in the space after the version, read as one snapshot: what a room needs to poke all its
     * sockets whose cookies are at least {@code fromVersion}. A space that does not exist has no changes. When
     * tombstones after {@code fromVersion} were purged, the changes start later (their {@code fromVersion} says where):
     * a socket with an older cookie needs the whole state.
     */
    public ChangeSet changesSince(String spaceID, long fromVersion) {
        return Transactions.withRetry("changes of " + spaceID, config.transactionAttempts(), () -> {
            repeatableRead();
            Space space = Space.findById(spaceID);
            if (space == null || space.version <= fromVersion) {
                return new ChangeSet(fromVersion, space == null ? fromVersion : space.version, List.of(), List.of());
            }
            long from = Math.max(fromVersion, space.purgedVersion);
            List<ChangeSet.EntryChange> entries = Entry.changedAfterWithVersions(spaceID, from).stream()
                    .map(entry -> new ChangeSet.EntryChange(entry.key(), entry.value(), entry.deleted(), entry.version()))
                    .toList();
            List<ChangeSet.ClientChange> clients = ClientRecord.allChangedAfter(spaceID, from).stream()
                    .map(client -> new ChangeSet.ClientChange(client.clientId(), client.clientGroupId(),
                            client.lastMutationId(), client.lastModifiedVersion()))
                    .toList();
            return new ChangeSet(from, space.version, entries, clients);
        });
    }

    /** Must be the transaction's first statement: every read after it sees one snapshot. */
    private static void repeatableRead() {
        Space.getEntityManager().createNativeQuery("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ").executeUpdate();
    }

    private Reply read(String spaceID, PullRequest request) {
        repeatableRead();
        Space space = Space.findById(spaceID);
        if (space == null) {
            if (!config.autoCreateSpaces()) {
                throw new InvalidRequestException(404, "SpaceNotFound", "space " + spaceID + " does not exist");
            }
            Space.create(spaceID);
            space = Space.findById(spaceID);
        }
        PullPlan plan = PullPlan.of(request.cookie(), space.version);
        if (plan instanceof PullPlan.Changes changes && changes.fromVersion() < space.purgedVersion) {
            plan = new PullPlan.Reset(space.version); // deletes it has not seen were purged: it gets the whole state
        }
        long heldFrom = switch (plan) {
            case PullPlan.Changes changes -> changes.fromVersion();
            case PullPlan.Reset reset -> Math.max(space.version, reset.minimumVersion());
            case PullPlan.ClientStateNotFound ignored -> -1;
        };
        if (heldFrom >= 0 && !groups.pulled(spaceID, request.clientGroupID(), heldFrom)) {
            return new Refused(ProtocolError.CLIENT_STATE_NOT_FOUND); // collected after a long idle time
        }
        return switch (plan) {
            case PullPlan.Changes changes -> new Pulled(changesSince(space, request.clientGroupID(), changes.fromVersion()));
            case PullPlan.Reset reset -> new Pulled(reset(space, request.clientGroupID(), reset.minimumVersion()));
            case PullPlan.ClientStateNotFound ignored -> new Refused(ProtocolError.CLIENT_STATE_NOT_FOUND);
        };
    }

    private static PullResponse changesSince(Space space, String clientGroupID, long fromVersion) {
        List<PatchOperation> patch = new ArrayList<>();
        try (var changes = Entry.changedAfter(space.id, fromVersion)) {
            changes.forEach(change -> patch
                    .add(change.deleted() ? PatchOperation.del(change.key())
                            : PatchOperation.put(change.key(), change.value())));
        }
        return new PullResponse(space.version, lastMutationIDs(space.id, clientGroupID, fromVersion), patch);
    }

    /** Everything, for a client with no cookie or one the server did not issue; the version moves past its cookie. */
    private static PullResponse reset(Space space, String clientGroupID, long minimumVersion) {
        if (space.version < minimumVersion) {
            space.version = minimumVersion; // flushed at commit; a push racing for the row makes this attempt retry
        }
        List<PatchOperation> patch = new ArrayList<>();
        patch.add(PatchOperation.CLEAR);
        try (var live = Entry.live(space.id)) {
            live.forEach(entry -> patch.add(PatchOperation.put(entry.key(), entry.value())));
        }
        return new PullResponse(space.version, lastMutationIDs(space.id, clientGroupID, -1), patch);
    }

    private static Map<String, Long> lastMutationIDs(String spaceID, String clientGroupID, long afterVersion) {
        Map<String, Long> changes = new LinkedHashMap<>();
        for (ClientRecord.MutationID client : ClientRecord.changedAfter(spaceID, clientGroupID, afterVersion)) {
            changes.put(client.clientId(), client.lastMutationId());
        }
        return changes;
    }
}
