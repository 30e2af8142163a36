package io.github.replicachequarkus.sync;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.stream.Stream;

import jakarta.enterprise.context.ApplicationScoped;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.github.replicachequarkus.gc.ClientGroups;
import io.github.replicachequarkus.store.ClientRecord;
import io.github.replicachequarkus.store.Entry;
import io.github.replicachequarkus.store.Space;
import io.quarkus.narayana.jta.QuarkusTransaction;

/**
 * Answers pulls. The data and the client rows are read in one REPEATABLE READ transaction, a snapshot: a push that
 * commits meanwhile is either wholly in the reply or wholly in the next one.
 */
@ApplicationScoped
public class PullService {

    private final SyncConfig config;
    private final SyncMetrics metrics;
    /** Rows the database sends per round trip while a pull streams them: a whole state never loads at once. */
    private static final int STREAM_FETCH_SIZE = 500;

    private final ClientGroups groups;
    private final JsonFactory json;

    PullService(SyncConfig config, SyncMetrics metrics, ClientGroups groups, ObjectMapper mapper) {
        this.config = config;
        this.metrics = metrics;
        this.groups = groups;
        this.json = mapper.getFactory();
    }

    /** The reply to a pull: a {@link PullResponse} or a {@link ProtocolError}. */
    public sealed interface Reply {
    }

    public record Pulled(PullResponse response) implements Reply {
    }

    public record Refused(ProtocolError error) implements Reply {
    }

    /** A pull answered in memory: what a room's hello and pull frames need. */
    public Reply pull(String spaceID, PullRequest request) {
        Refused refused = check(spaceID, request);
        if (refused != null) {
            return refused;
        }
        Reply reply = Transactions.withRetry("pull of " + spaceID, config.transactionAttempts(), () -> {
            repeatableRead();
            Decided decided = decide(spaceID, request);
            if (decided.refused()) {
                return new Refused(ProtocolError.CLIENT_STATE_NOT_FOUND);
            }
            List<PatchOperation> patch = new ArrayList<>();
            patch(decided.space(), decided.from(), patch::add);
            return new Pulled(new PullResponse(decided.space().version,
                    lastMutationIDs(spaceID, request.clientGroupID(), decided.from()), patch));
        });
        if (reply instanceof Pulled pulled) {
            metrics.pulled(pulled.response().patch().size());
        }
        return reply;
    }

    /** A pull's response body, written straight to the client. */
    @FunctionalInterface
    public interface Body {
        void writeTo(OutputStream output) throws IOException;
    }

    /**
     * An HTTP pull: decided in one short transaction (is the group known, does the cookie get changes or the whole
     * state), then written to the client from one snapshot while the rows are read, so that the whole state of a large
     * space never sits in memory. The snapshot's connection is held while the client reads.
     *
     * @return a {@link Body} or the {@link ProtocolError} to answer with
     */
    public Object pullStreamed(String spaceID, PullRequest request) {
        Refused refused = check(spaceID, request);
        if (refused != null) {
            return refused.error();
        }
        Decided decided = Transactions.withRetry("pull of " + spaceID, config.transactionAttempts(),
                () -> decide(spaceID, request));
        if (decided.refused()) {
            return ProtocolError.CLIENT_STATE_NOT_FOUND;
        }
        return (Body) output -> QuarkusTransaction.requiringNew().run(() -> {
            repeatableRead();
            Space space = Space.findById(spaceID);
            // A purge committed since the decision may have taken deletes this cookie has not seen.
            long from = decided.from() >= space.purgedVersion ? decided.from() : -1;
            try {
                metrics.pulled(write(output, space, request.clientGroupID(), from));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
    }

    /** The request's own faults, or a protocol error to answer with; null when it may be served. */
    private Refused check(String spaceID, PullRequest request) {
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
        return null;
    }

    /** What the pull gets: decided in the caller's transaction, recording the group's activity. */
    private record Decided(Space space, PullPlan plan) {

        /** The group must start afresh: the cookie cannot be served, or the group was collected. */
        boolean refused() {
            return plan instanceof PullPlan.ClientStateNotFound;
        }

        /** The version the patch starts after; -1 for {@code clear} and the whole state. */
        long from() {
            return plan instanceof PullPlan.Changes changes ? changes.fromVersion() : -1;
        }
    }

    /**
     * The space (created if allowed), the plan for the pull's cookie (the whole state when deletes it has not seen were
     * purged), and the group recorded as active; {@link PullPlan.ClientStateNotFound} when the group was collected or the
     * cookie cannot be served. A reset's minimum version is set on the space here.
     */
    private Decided decide(String spaceID, PullRequest request) {
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
        if (heldFrom < 0) {
            return new Decided(space, plan);
        }
        if (!groups.pulled(spaceID, request.clientGroupID(), heldFrom)) {
            return new Decided(space, new PullPlan.ClientStateNotFound()); // collected after a long idle time
        }
        if (plan instanceof PullPlan.Reset && space.version < heldFrom) {
            space.version = heldFrom; // flushed at commit; a push racing for the row makes this attempt retry
        }
        return new Decided(space, plan);
    }

    /**
     * Writes a PullResponseV1 from the space's snapshot: the changes after {@code from}, or {@code clear} and every live
     * entry when {@code from} is -1. Returns the number of patch operations.
     */
    private int write(OutputStream output, Space space, String clientGroupID, long from) throws IOException {
        int operations;
        try (JsonGenerator out = json.createGenerator(output)) {
            out.writeStartObject();
            out.writeNumberField("cookie", space.version);
            out.writeObjectFieldStart("lastMutationIDChanges");
            for (Map.Entry<String, Long> client : lastMutationIDs(space.id, clientGroupID, from).entrySet()) {
                out.writeNumberField(client.getKey(), client.getValue());
            }
            out.writeEndObject();
            out.writeArrayFieldStart("patch");
            operations = patch(space, from, operation -> {
                try {
                    out.writeObject(operation);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
            out.writeEndArray();
            out.writeEndObject();
        }
        return operations;
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

    /**
     * Hands {@code sink} the patch from the space's snapshot: what changed after {@code from}, or {@code clear} and every
     * live entry when {@code from} is -1; read a fetch at a time. Returns the number of operations.
     */
    private static int patch(Space space, long from, Consumer<PatchOperation> sink) {
        int operations = 0;
        if (from < 0) {
            sink.accept(PatchOperation.CLEAR);
            operations++;
        }
        try (Stream<Entry.Change> changes = from < 0 ? Entry.live(space.id, STREAM_FETCH_SIZE)
                : Entry.changedAfter(space.id, from, STREAM_FETCH_SIZE)) {
            for (Entry.Change change : (Iterable<Entry.Change>) changes::iterator) {
                sink.accept(
                        change.deleted() ? PatchOperation.del(change.key()) : PatchOperation.put(change.key(), change.value()));
                operations++;
            }
        }
        return operations;
    }

    private static Map<String, Long> lastMutationIDs(String spaceID, String clientGroupID, long afterVersion) {
        Map<String, Long> changes = new LinkedHashMap<>();
        for (ClientRecord.MutationID client : ClientRecord.changedAfter(spaceID, clientGroupID, afterVersion)) {
            changes.put(client.clientId(), client.lastMutationId());
        }
        return changes;
    }
}
