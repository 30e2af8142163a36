package io.github.replicachequarkus.sync;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;

import jakarta.enterprise.context.ApplicationScoped;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectWriter;

import io.github.replicachequarkus.auth.ForbiddenException;
import io.github.replicachequarkus.protocol.Cookie;
import io.github.replicachequarkus.protocol.InvalidRequestException;
import io.github.replicachequarkus.protocol.PatchOperation;
import io.github.replicachequarkus.protocol.ProtocolError;
import io.github.replicachequarkus.protocol.PullRequest;
import io.github.replicachequarkus.protocol.SpaceId;
import io.github.replicachequarkus.store.ClientGroups;
import io.github.replicachequarkus.store.ClientRecord;
import io.github.replicachequarkus.store.Entry;
import io.github.replicachequarkus.store.Space;
import io.github.replicachequarkus.store.Transactions;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.vertx.core.http.HttpServerResponse;

/**
 * Answers pulls, in two transactions: a short one decides what the pull gets (creating the space, raising the version
 * for a writer's cookie from ahead) and records that its client group pulled, writes that must not wait on a snapshot
 * that concurrent pushes would keep invalidating; then the data and the client rows are read in one REPEATABLE READ
 * transaction, a snapshot: a push that commits meanwhile is either wholly in the reply or wholly in the next one.
 */
@ApplicationScoped
public class PullService {

    private final SyncConfig config;
    private final SyncMetrics metrics;
    /** Bytes of entries a pull reads from the database at a time: a whole state never loads at once. */
    private static final int PAGE_BYTES = 512 * 1024;
    /** Bytes of an HTTP pull's reply kept in memory; a larger reply goes to a temporary file until it is sent. */
    static final int SPOOL_IN_MEMORY = 256 * 1024;

    private final ClientGroups groups;
    private final JsonFactory json;
    private final FullPulls fullPulls;
    private final ObjectWriter operations;

    PullService(SyncConfig config, SyncMetrics metrics, ClientGroups groups, ObjectMapper mapper, FullPulls fullPulls) {
        this.fullPulls = fullPulls;
        this.operations = mapper.writerFor(PatchOperation.class);
        this.config = config;
        this.metrics = metrics;
        this.groups = groups;
        this.json = mapper.getFactory();
        this.hellos = new ReadBatches<>(
                config.helloBatches().orElse(2 * Runtime.getRuntime().availableProcessors()));
    }

    /**
     * The reply to a pull: what the caller sends ({@link #pull} gives a {@link Pulled}, {@link #pullStreamed} a
     * {@link Streamed}), or the {@link Refused protocol error} to answer with.
     *
     * @param <T> the kind of reply the caller asked for
     */
    public sealed interface Reply<T> permits Pulled, Streamed, Refused {
    }

    /**
     * A pull's reply with its patch held in a spool, to be sent in parts ({@link PatchSpool#inParts}) and then deleted.
     *
     * @param cookie the order of the cookie to answer with ({@link Cookie#order})
     * @param version the space version whose state the reply brings the client to: its cookie, except when the
     *        client's cookie was ahead of a space it could not move (then the cookie's order is greater, so that the
     *        client takes it)
     */
    public record Pulled(long cookie, long version, Map<String, Long> lastMutationIDChanges, PatchSpool patch)
            implements
                Reply<Pulled> {
    }

    /** The pull is answered with a protocol error (the client's versions, or a group it must start afresh). */
    public record Refused<T>(ProtocolError error) implements Reply<T> {
    }

    /**
     * A pull whose patch is read into a {@link PatchSpool} (memory up to {@value #SPOOL_IN_MEMORY} bytes, then a
     * temporary file) within its snapshot: what a room's hello and pull frames need, sent in parts once the snapshot's
     * transaction is over. The caller deletes the spool.
     *
     * @param mayWrite whether the caller may write the space: only such a caller creates it, records its client group,
     *        or moves its version forward to meet a cookie from ahead
     * @param userID who pulls (empty in open mode): another user's client group is refused
     * @throws ForbiddenException when the client group is another user's
     */
    public Reply<Pulled> pull(String spaceID, PullRequest request, boolean mayWrite, Optional<String> userID) {
        ProtocolError refused = check(spaceID, request);
        if (refused != null) {
            return new Refused<>(refused);
        }
        Decided decided = prepare(spaceID, request, mayWrite, userID);
        if (decided.refused()) {
            return new Refused<>(ProtocolError.CLIENT_STATE_NOT_FOUND);
        }
        Pulled pulled = readPatch(spaceID, decided, false, (snapshot, patch, fresh) -> new Pulled(snapshot.cookie(),
                snapshot.version(), lastMutationIDs(spaceID, request.clientGroupID(), snapshot.from()), patch));
        metrics.pulled(pulled.patch().operations());
        return pulled;
    }

    /** A hello to be answered with the others of its space that came while the space's previous hellos were. */
    record Hello(PullRequest request, boolean mayWrite, Optional<String> userID) {
    }

    /**
     * What a hello of a batch gets: its reply, or a failure of its own (its group is another user's, the space does not
     * exist), which it throws while the others of the batch are answered.
     */
    record Answer(Reply<Pulled> reply, RuntimeException failure) {
    }

    /** The most bytes of patches kept for the hellos that come next ({@link RecentPatches}). */
    static final long RECENT_PATCH_BYTES = 32L * 1024 * 1024;
    /** How long a kept patch stays after it was last used. */
    static final long RECENT_PATCH_SECONDS = 10;

    /** Most client groups one query of a shared read names (PostgreSQL takes at most 32,767 parameters). */
    private static final int GROUPS_PER_QUERY = 1000;

    private final ReadBatches<String, Hello, Answer> hellos;
    /** The patches hellos were last answered with, for the batches that come next. */
    private final RecentPatches recent = new RecentPatches(RECENT_PATCH_BYTES, TimeUnit.SECONDS.toNanos(RECENT_PATCH_SECONDS));

    /**
     * A room socket's hello: as {@link #pull}, except that the hellos of a space that come while its previous hellos
     * are answered are answered together, by the first of them: their pulls decided and their groups recorded in one
     * transaction, then one snapshot read per plan their cookies get (the patch read once and cut into parts once, the
     * last mutation ids of every group of the batch read from that snapshot). A room's sockets coming back together
     * after a deploy, all with the cookie they held, cost two transactions per batch instead of two each. Each caller
     * still gets only its own group's last mutation ids, and its own refusal.
     *
     * @param mayWrite as for {@link #pull}
     * @param userID who pulls (empty in open mode)
     * @throws ForbiddenException when the client group is another user's
     */
    public Reply<Pulled> pullTogether(String spaceID, PullRequest request, boolean mayWrite, Optional<String> userID) {
        ProtocolError refused = check(spaceID, request);
        if (refused != null) {
            return new Refused<>(refused);
        }
        Answer answer = hellos.read(spaceID, new Hello(request, mayWrite, userID), this::answerTogether);
        if (answer.failure() != null) {
            throw answer.failure();
        }
        if (answer.reply() instanceof Pulled pulled) {
            metrics.pulled(pulled.patch().operations());
        }
        return answer.reply();
    }

    /**
     * Answers a batch of a space's hellos, in order: their pulls decided and recorded together, then one read per plan.
     * A read that fails lets go of the patches the batch read before it, and fails the whole batch.
     */
    List<Answer> answerTogether(String spaceID, List<Hello> batch) {
        List<Object> decisions = decideTogether(spaceID, batch);
        Answer[] answers = new Answer[batch.size()];
        Map<PullPlan, List<Integer>> byPlan = new LinkedHashMap<>();
        for (int i = 0; i < batch.size(); i++) {
            switch (decisions.get(i)) {
                case RuntimeException failure -> answers[i] = new Answer(null, failure);
                case Decided decided when decided.refused() ->
                    answers[i] = new Answer(new Refused<>(ProtocolError.CLIENT_STATE_NOT_FOUND), null);
                case Decided decided -> byPlan.computeIfAbsent(decided.plan(), plan -> new ArrayList<>()).add(i);
                default -> throw new IllegalStateException("not a decision: " + decisions.get(i));
            }
        }
        try {
            for (List<Integer> alike : byPlan.values()) {
                Decided decided = (Decided) decisions.get(alike.getFirst());
                List<Pulled> pulled = readTogether(spaceID, decided,
                        alike.stream().map(i -> batch.get(i).request().clientGroupID()).toList());
                for (int j = 0; j < alike.size(); j++) {
                    answers[alike.get(j)] = new Answer(pulled.get(j), null);
                }
            }
        } catch (RuntimeException | Error e) {
            for (Answer answer : answers) {
                if (answer != null && answer.reply() instanceof Pulled pulled) {
                    pulled.patch().delete(); // each holder once: the last deletes what its read held
                }
            }
            throw e;
        }
        return List.of(answers);
    }

    /**
     * The batch's pulls decided and their groups recorded, in one short transaction (run again when it loses a race):
     * for each hello in order its {@link Decided}, or the failure that is its own (another user's group, a space that
     * does not exist or was deleted). Any other failure fails them all.
     */
    private List<Object> decideTogether(String spaceID, List<Hello> batch) {
        return Transactions.withRetry("pull of " + spaceID, config.transactionAttempts(), () -> {
            List<Object> decisions = new ArrayList<>(batch.size());
            for (Hello hello : batch) {
                try {
                    decisions.add(decideAndRecord(spaceID, hello.request(), hello.mayWrite(), hello.userID()));
                } catch (ForbiddenException | InvalidRequestException e) { // thrown by this code, after no failed statement
                    decisions.add(e);
                }
            }
            return decisions;
        });
    }

    /** What one snapshot gave a batch of hellos: {@code fresh} when its patch was read, not taken from the recent ones. */
    private record Read(Snapshot snapshot, Map<String, Map<String, Long>> lastMutationIDs, PatchSpool patch,
            boolean fresh) {
    }

    /**
     * The batch's read, for callers whose pulls were decided alike ({@code decided}: the snapshot depends only on its
     * plan): one reply per group, in order, all sharing one patch. The patch is taken from the {@link RecentPatches}
     * when an earlier batch read the same one, and kept there when it was read here.
     */
    private List<Pulled> readTogether(String spaceID, Decided decided, List<String> groups) {
        Read read = readPatch(spaceID, decided, true,
                (snapshot, patch, fresh) -> new Read(snapshot, lastMutationIDs(spaceID, groups, snapshot.from()), patch,
                        fresh));
        PatchSpool patch = read.patch();
        if (read.fresh()) {
            patch.share(groups.size());
            Snapshot snapshot = read.snapshot();
            if (snapshot.created() != null) {
                recent.keep(new RecentPatches.Key(spaceID, snapshot.created(), snapshot.from(), snapshot.version()), patch,
                        System.nanoTime());
            }
        } else if (!patch.retain(groups.size() - 1)) { // it holds one for this read already
            throw new IllegalStateException("a recent patch was let go of while a batch held it");
        }
        List<Pulled> pulled = new ArrayList<>(groups.size());
        for (String group : groups) {
            pulled.add(new Pulled(read.snapshot().cookie(), read.snapshot().version(),
                    read.lastMutationIDs().getOrDefault(group, Map.of()), patch));
        }
        return pulled;
    }

    /** What a read makes of its snapshot and its patch; {@code fresh}: the patch was read, not taken from the recent. */
    @FunctionalInterface
    private interface ReadResult<T> {
        T of(Snapshot snapshot, PatchSpool patch, boolean fresh);
    }

    /**
     * Reads the decided pull's snapshot: its patch into a new spool (or, with {@code recent}, the one an earlier batch
     * read at the snapshot's version, if it is kept: {@link RecentPatches}), then {@code result} of the snapshot and the
     * patch, in the same transaction (run again when it loses a race). The patch comes with one holder, the caller. The
     * patch of an attempt that failed is let go of, and so is the last one when every attempt failed.
     */
    private <T> T readPatch(String spaceID, Decided decided, boolean recent, ReadResult<T> result) {
        PatchSpool[] attempt = new PatchSpool[1];
        try {
            return Transactions.withRetry("pull of " + spaceID, config.transactionAttempts(), () -> {
                if (attempt[0] != null) {
                    attempt[0].delete(); // what a failed attempt read
                    attempt[0] = null;
                }
                Snapshot snapshot = snapshot(spaceID, decided);
                PatchSpool patch = recent && snapshot.created() != null
                        ? this.recent.take(new RecentPatches.Key(spaceID, snapshot.created(), snapshot.from(),
                                snapshot.version()), 1, System.nanoTime())
                        : null;
                boolean fresh = patch == null;
                if (fresh) {
                    patch = new PatchSpool(operations, SPOOL_IN_MEMORY);
                    attempt[0] = patch;
                    patch(spaceID, snapshot.from(), patch::add);
                } else {
                    attempt[0] = patch;
                }
                return result.of(snapshot, patch, fresh);
            });
        } catch (RuntimeException e) {
            if (attempt[0] != null) {
                attempt[0].delete();
            }
            throw e;
        }
    }

    /** {@link #lastMutationIDs(String, String, long)} of several groups, by group, from the caller's snapshot. */
    private static Map<String, Map<String, Long>> lastMutationIDs(String spaceID, List<String> groups,
            long afterVersion) {
        List<String> distinct = new ArrayList<>(new LinkedHashSet<>(groups));
        Map<String, Map<String, Long>> byGroup = new HashMap<>();
        for (int from = 0; from < distinct.size(); from += GROUPS_PER_QUERY) {
            List<String> chunk = distinct.subList(from, Math.min(distinct.size(), from + GROUPS_PER_QUERY));
            for (ClientRecord.Versioned client : ClientRecord.changedAfterInGroups(spaceID, chunk, afterVersion)) {
                byGroup.computeIfAbsent(client.clientGroupID(), group -> new LinkedHashMap<>()).put(client.clientID(),
                        client.lastMutationID());
            }
        }
        return byGroup;
    }

    /**
     * An HTTP pull's reply, its whole response body spooled: sent straight to the client at the pace it reads
     * ({@link PacedReply}), or let go
     * when the client left before it could be sent. Either way, what it holds (the spool, its file, the pull's place
     * among the whole-state pulls) is freed, once.
     */
    public static final class Streamed implements Reply<Streamed> {

        private final Spool spool;
        private final FullPulls.Permit permit;
        private final Duration deadline;
        private final AtomicBoolean released = new AtomicBoolean();

        Streamed(Spool spool, FullPulls.Permit permit, Duration deadline) {
            this.spool = spool;
            this.permit = permit;
            this.deadline = deadline;
        }

        /**
         * Sends the body as the whole of the response, and frees what it holds, whether it was sent or not.
         *
         * @throws IOException when the client went away, or took nothing of it for {@code replicache.sync.write-timeout}
         *         (then its connection is closed)
         */
        public void sendTo(HttpServerResponse response) throws IOException {
            try {
                PacedReply.send(spool, response, deadline);
            } finally {
                release();
            }
        }

        /** Whether what it held was freed already. */
        public boolean released() {
            return released.get();
        }

        /**
         * Frees what it holds without sending it (the client's connection ended before its reply could start); safe to
         * call more than once, and while it is being sent (whose end it then hastens: the connection is gone).
         */
        public void release() {
            if (released.compareAndSet(false, true)) {
                try (permit) {
                    spool.delete();
                }
            }
        }
    }

    /**
     * An HTTP pull: decided in one short transaction (is the group known, does the cookie get changes or the whole
     * state), then read from one snapshot into a {@link Spool} (memory up to {@value #SPOOL_IN_MEMORY} bytes, then a
     * temporary file), and sent once that transaction is over: a slow client holds no database connection, and a large
     * space's whole state never sits in the heap. Pulls of a whole state are bounded per user and per machine
     * ({@link FullPulls}).
     *
     * @param mayWrite as for {@link #pull}
     * @param userID who pulls (empty in open mode)
     * @throws InvalidRequestException (429) when the user or the machine sends as many whole states as it may
     */
    public Reply<Streamed> pullStreamed(String spaceID, PullRequest request, boolean mayWrite,
            Optional<String> userID) {
        ProtocolError refused = check(spaceID, request);
        if (refused != null) {
            return new Refused<>(refused);
        }
        Decided decided = prepare(spaceID, request, mayWrite, userID);
        if (decided.refused()) {
            return new Refused<>(ProtocolError.CLIENT_STATE_NOT_FOUND);
        }
        FullPulls.Permit permit = decided.from() < 0 ? fullPulls.acquire(userID.filter(id -> !id.isEmpty()).orElse(null))
                : () -> {
                };
        Spool spool = new Spool(SPOOL_IN_MEMORY);
        try {
            int operations = QuarkusTransaction.requiringNew().call(() -> {
                Snapshot snapshot = snapshot(spaceID, decided);
                try {
                    return write(spool, spaceID, new Cookie(snapshot.cookie(), snapshot.version()),
                            request.clientGroupID(), snapshot.from());
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
            metrics.pulled(operations);
        } catch (RuntimeException e) {
            spool.delete();
            permit.close();
            throw e;
        }
        return new Streamed(spool, permit, config.writeTimeout());
    }

    /** The request's own faults, or a protocol error to answer with; null when it may be served. */
    private ProtocolError check(String spaceID, PullRequest request) {
        SpaceId.require(spaceID);
        if (request == null) {
            throw new InvalidRequestException("InvalidRequest", "the body must be a PullRequest JSON object");
        }
        if (request.pullVersion() == null) {
            throw new InvalidRequestException("InvalidRequest", "pullVersion is required");
        }
        if (request.pullVersion() != 1) {
            return ProtocolError.versionNotSupported("pull");
        }
        request.validate();
        if (!config.acceptsSchema(request.schemaVersion())) {
            return ProtocolError.versionNotSupported("schema");
        }
        return null;
    }

    /**
     * What the pull gets, decided in the caller's transaction.
     *
     * @param plan what to send
     * @param version the space's version as read (after raising it, for a cookie from ahead that may raise it)
     * @param spaceExists whether the space exists: a reader's pull of a space nobody created gets the empty state
     */
    private record Decided(PullPlan plan, long version, boolean spaceExists) {

        /** The group must start afresh: the cookie cannot be served, or the group was collected. */
        boolean refused() {
            return plan instanceof PullPlan.ClientStateNotFound;
        }

        /** The version the patch starts after; -1 for {@code clear} and the whole state. */
        long from() {
            return plan instanceof PullPlan.Changes changes ? changes.fromVersion() : -1;
        }

        /** What the group holds once sent this: the changes up to its cookie, or the state of the version it is sent. */
        long holds() {
            return plan instanceof PullPlan.Changes changes ? changes.fromVersion() : version;
        }
    }

    /**
     * A pull's first, short transaction (run again when it loses a race): what the pull gets ({@link #decide}), and the
     * pull of its client group recorded ({@link #recordPull}).
     */
    private Decided prepare(String spaceID, PullRequest request, boolean mayWrite, Optional<String> userID) {
        return Transactions.withRetry("pull of " + spaceID, config.transactionAttempts(),
                () -> decideAndRecord(spaceID, request, mayWrite, userID));
    }

    /** {@link #decide} and {@link #recordPull}, in the caller's transaction. */
    private Decided decideAndRecord(String spaceID, PullRequest request, boolean mayWrite, Optional<String> userID) {
        Decided decided = decide(spaceID, request, mayWrite);
        return decided.refused() ? decided : recordPull(spaceID, request.clientGroupID(), decided, mayWrite, userID);
    }

    /**
     * The plan for the pull's cookie (the whole state when deletes it has not seen were purged);
     * {@link PullPlan.ClientStateNotFound} when the cookie cannot be served.
     * <p>
     * Only a caller who may write creates the space (a reader of an unknown space gets the empty state). A cookie ahead
     * of the space (a client forked from a newer snapshot, or any client after the database was restored from a backup)
     * needs an answer with a greater cookie: a writer's pull raises the version to meet it, by an update that never
     * lowers it, up to {@link PullPlan#MAX_RAISE}; a reader's, or one from further ahead, leaves the version alone and is
     * answered over the whole state of the version it has, with a {@link Cookie} whose order is the one the client
     * needs and whose version is the state's.
     */
    private Decided decide(String spaceID, PullRequest request, boolean mayWrite) {
        Space space = Space.findById(spaceID);
        if (space != null && space.deleted()) {
            throw deleted(spaceID);
        }
        if (space == null) {
            if (!config.autoCreateSpaces()) {
                throw new InvalidRequestException(404, "SpaceNotFound", "space " + spaceID + " does not exist");
            }
            if (mayWrite) {
                Space.create(spaceID);
                space = Space.findById(spaceID);
            }
        }
        long version = space == null ? 0 : space.version;
        PullPlan plan = PullPlan.of(request.cookie(), version);
        if (plan instanceof PullPlan.Changes changes && space != null && changes.fromVersion() < space.purgedVersion) {
            plan = new PullPlan.Reset(plan.order(version)); // deletes it has not seen were purged: the whole state
        }
        if (plan instanceof PullPlan.Reset reset && reset.minimumVersion() > version && mayWrite
                && reset.minimumVersion() <= PullPlan.MAX_RAISE) {
            version = Space.raiseVersion(spaceID, reset.minimumVersion());
            if (space != null) {
                Space.getEntityManager().refresh(space); // a later decision in this transaction sees the raised version
            }
        }
        return new Decided(plan, version, space != null);
    }

    static InvalidRequestException deleted(String spaceID) {
        return new InvalidRequestException(404, "SpaceNotFound", "space " + spaceID + " was deleted");
    }

    /**
     * Records, in the decision's transaction, that the client group pulled and holds what it is about to be sent
     * ({@link ClientGroups#pulled}): only a caller who may write creates its group's row, and the group of a space that
     * does not exist is not recorded. Returns the decision, or {@link PullPlan.ClientStateNotFound} instead when the
     * group was collected (idle for too long); a space deleted since the decision answers as deleted.
     *
     * @throws ForbiddenException when the client group is another user's
     */
    private Decided recordPull(String spaceID, String clientGroupID, Decided decided, boolean mayWrite,
            Optional<String> userID) {
        if (!decided.spaceExists()) {
            return decided;
        }
        return switch (groups.pulled(spaceID, clientGroupID, decided.holds(), mayWrite, userID)) {
            case ALLOWED -> decided;
            case COLLECTED -> {
                if (!Space.exists(spaceID)) { // its delete, committed since the decision, took the group with it
                    throw deleted(spaceID);
                }
                yield new Decided(new PullPlan.ClientStateNotFound(), decided.version(), true);
            }
            case ANOTHER_USERS -> throw new ForbiddenException("the client group is another user's");
        };
    }

    /**
     * What a pull sends, read at the start of its snapshot (REPEATABLE READ: every later read sees the same state).
     *
     * @param version the space's version in the snapshot
     * @param from the version the patch starts after; -1 for {@code clear} and the whole state (also when a purge
     *        committed since the decision took deletes the cookie has not seen)
     * @param cookie the order of the cookie to answer with: the version, or greater for a cookie from ahead
     * @param created when the space was created; null for a space that does not exist
     */
    private record Snapshot(long version, long from, long cookie, Instant created) {
    }

    private static Snapshot snapshot(String spaceID, Decided decided) {
        Transactions.repeatableRead();
        Space space = Space.findById(spaceID);
        if (space != null && space.deleted()) { // deleted since the decision
            throw deleted(spaceID);
        }
        long version = space == null ? 0 : space.version; // a space unknown to a reader: the empty state
        long from = space == null || decided.from() >= space.purgedVersion ? decided.from() : -1;
        return new Snapshot(version, from, decided.plan().order(version), space == null ? null : space.createdAt);
    }

    /**
     * Writes a PullResponseV1 with the cookie from the space's snapshot: the changes after {@code from}, or {@code clear}
     * and every live entry when {@code from} is -1. Returns the number of patch operations.
     */
    private int write(OutputStream output, String spaceID, Cookie cookie, String clientGroupID, long from)
            throws IOException {
        int operations;
        try (JsonGenerator out = json.createGenerator(output)) {
            out.writeStartObject();
            out.writeFieldName("cookie");
            cookie.write(out);
            out.writeObjectFieldStart("lastMutationIDChanges");
            for (Map.Entry<String, Long> client : lastMutationIDs(spaceID, clientGroupID, from).entrySet()) {
                out.writeNumberField(client.getKey(), client.getValue());
            }
            out.writeEndObject();
            out.writeArrayFieldStart("patch");
            operations = patch(spaceID, from, operation -> {
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
     * Hands {@code sink} the patch from the space's snapshot: what changed after {@code from}, or {@code clear} and every
     * live entry when {@code from} is -1; read a fetch at a time. Returns the number of operations.
     */
    private static int patch(String spaceID, long from, Consumer<PatchOperation> sink) {
        int operations = 0;
        if (from < 0) {
            sink.accept(PatchOperation.CLEAR);
            operations++;
        }
        return operations + Entry.forEach(spaceID, from, PAGE_BYTES,
                change -> sink.accept(change.deleted() ? PatchOperation.del(change.key())
                        : PatchOperation.put(change.key(), change.value())));
    }

    private static Map<String, Long> lastMutationIDs(String spaceID, String clientGroupID, long afterVersion) {
        Map<String, Long> changes = new LinkedHashMap<>();
        for (ClientRecord.MutationID client : ClientRecord.changedAfter(spaceID, clientGroupID, afterVersion)) {
            changes.put(client.clientID(), client.lastMutationID());
        }
        return changes;
    }
}
