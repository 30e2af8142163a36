package io.github.replicachequarkus.sync;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.function.Consumer;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Event;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.NullNode;

import io.agroal.api.AgroalDataSource;
import io.github.replicachequarkus.LogSafe;
import io.github.replicachequarkus.auth.Caller;
import io.github.replicachequarkus.auth.ForbiddenException;
import io.github.replicachequarkus.mutator.Mutator;
import io.github.replicachequarkus.mutator.MutatorRegistry;
import io.github.replicachequarkus.mutator.WriteTransaction;
import io.github.replicachequarkus.protocol.InvalidRequestException;
import io.github.replicachequarkus.protocol.Mutation;
import io.github.replicachequarkus.protocol.ProtocolError;
import io.github.replicachequarkus.protocol.PushRequest;
import io.github.replicachequarkus.protocol.SpaceId;
import io.github.replicachequarkus.protocol.StorableText;
import io.github.replicachequarkus.relay.SpaceChanged;
import io.github.replicachequarkus.store.ClientGroups;
import io.github.replicachequarkus.store.Faults;
import io.github.replicachequarkus.store.PushRows;
import io.github.replicachequarkus.store.StorageException;
import io.github.replicachequarkus.store.Transactions;
import io.quarkus.logging.Log;
import io.smallrye.mutiny.infrastructure.Infrastructure;

/**
 * Applies pushes, committed together (see {@link GroupCommit}): spaces are spread over a few lanes by their id, and
 * the pushes that arrive in a lane while its transaction runs go into its next one. That transaction locks the rows
 * of its spaces (in id order), runs each push in turn (each with its own all-or-nothing result) and commits one new
 * version of each space it changed. A hot space pays for one transaction per batch rather than one per push, and so
 * do many quiet spaces; a space is always in the same lane, so two transactions of this machine never wait for each
 * other's rows.
 */
@ApplicationScoped
public class PushService {

    private final MutatorRegistry mutators;
    private final Event<SpaceChanged> spaceChanged;
    private final ObjectMapper mapper;
    private final SyncConfig config;
    private final SyncMetrics metrics;
    private final ClientGroups groups;
    private final GroupCommit<Push, PushLoop.Outcome> commits;
    private final int lanes;
    private final AgroalDataSource dataSource;
    private final PushRate pushRate;

    PushService(MutatorRegistry mutators, Event<SpaceChanged> spaceChanged, ObjectMapper mapper, SyncConfig config,
            SyncMetrics metrics, ClientGroups groups, AgroalDataSource dataSource, PushRate pushRate) {
        this.pushRate = pushRate;
        this.mutators = mutators;
        this.dataSource = dataSource;
        this.groups = groups;
        this.spaceChanged = spaceChanged;
        this.mapper = mapper;
        this.config = config;
        this.metrics = metrics;
        this.lanes = Math.max(1, config.groupCommit().lanes()
                .orElse(Runtime.getRuntime().availableProcessors() / 2));
        // Mutiny's default pool is Quarkus's worker pool, looked up when used (it is set up at start).
        this.commits = new GroupCommit<>(task -> Infrastructure.getDefaultWorkerPool().execute(task), this::commit,
                failure -> failure instanceof InvalidRequestException || Faults.isUnavailable(failure),
                push -> push.request().mutations().size(), Math.max(1, config.groupCommit().maxPushes()),
                config.groupCommit().maxMutations(), config.groupCommit().maxQueuedMutations());
    }

    /**
     * Processes the push and waits for it.
     *
     * @param caller who pushes (their right to write the space already checked); mutators see their user id
     * @return {@code null} when the push was processed, or the protocol error to answer with
     * @throws InvalidRequestException when the request is malformed or a client belongs to another group of the space
     */
    public ProtocolError push(String spaceID, PushRequest request, Caller caller) {
        return GroupCommit.join(pushAsync(spaceID, request, caller));
    }

    /**
     * Checks the push and queues it for its lane's next transaction, without waiting for it.
     *
     * @param caller who pushes (their right to write the space already checked); mutators see their user id
     * @return {@code null} when the push was processed, or the protocol error to answer with; it fails with an
     *         {@link InvalidRequestException} when a client belongs to another group of the space, or with what the
     *         database threw
     * @throws InvalidRequestException when the request is malformed
     */
    public CompletionStage<ProtocolError> pushAsync(String spaceID, PushRequest request, Caller caller) {
        SpaceId.require(spaceID);
        if (request == null) {
            throw new InvalidRequestException("InvalidRequest", "the body must be a PushRequest JSON object");
        }
        if (request.pushVersion() == null) {
            throw new InvalidRequestException("InvalidRequest", "pushVersion is required");
        }
        if (request.pushVersion() != 1) {
            return CompletableFuture.completedFuture(refused(ProtocolError.versionNotSupported("push")));
        }
        request.validate(config.maxMutationsPerPush());
        pushRate.admit(caller.userID());
        if (!config.acceptsSchema(request.schemaVersion())) {
            return CompletableFuture.completedFuture(refused(ProtocolError.versionNotSupported("schema")));
        }
        if (request.mutations().isEmpty()) {
            return CompletableFuture.completedFuture(null);
        }
        return process(prepare(spaceID, request, caller.userID())).handle((done, failure) -> {
            if (unwrap(failure) instanceof ClientGroupCollected) { // a dependent stage's failure comes wrapped
                return refused(ProtocolError.CLIENT_STATE_NOT_FOUND);
            }
            if (failure != null) {
                throw failure instanceof CompletionException completion ? completion : new CompletionException(failure);
            }
            return null;
        });
    }

    /**
     * Queues the push for its lane's next transaction; when that batch's time ran out before all of it ran, queues
     * what is left again, behind whatever other spaces queued meanwhile, until all of it ran: one push of slow mutators
     * takes turns with the others on its lane rather than holding it, and the client need not send it again (the
     * Replicache client would only do so with its next mutation). When the lane is too busy to take the rest, what
     * ran is kept and the rest is left for the client to re-send.
     */
    private CompletionStage<Void> process(Push push) {
        return commits.submitAsync(lane(push.spaceID()), push).thenCompose(outcome -> {
            metrics.pushed(outcome);
            if (outcome.changed()) {
                Log.debugf("Push to space %s from group %s: %d applied, %d failed, %d replayed, %d deferred",
                        push.spaceID(), push.request().clientGroupID(), outcome.applied().size(),
                        outcome.failures().size(), outcome.skipped(), outcome.deferred());
            }
            if (!outcome.outOfTime()) {
                return CompletableFuture.completedFuture(null);
            }
            return process(push.rest(outcome.lastMutationIDs())).exceptionallyCompose(
                    failure -> unwrap(failure) instanceof BusyException ? CompletableFuture.completedFuture(null)
                            : CompletableFuture.failedFuture(failure));
        });
    }

    private static Throwable unwrap(Throwable failure) {
        return failure instanceof CompletionException && failure.getCause() != null ? failure.getCause() : failure;
    }

    /** Pushes waiting for the next transaction of the space's lane. */
    int queued(String spaceID) {
        return commits.queued(lane(spaceID));
    }

    /** The lane whose transactions commit the space's pushes. */
    String lane(String spaceID) {
        return Integer.toString(Math.floorMod(spaceID.hashCode(), lanes));
    }

    private ProtocolError refused(ProtocolError error) {
        metrics.pushRefused(error);
        return error;
    }

    /** The push's client group was collected after a long idle time: the client must start afresh. */
    private static final class ClientGroupCollected extends RuntimeException {
        ClientGroupCollected() {
            super("the client group was collected", null, false, false);
        }
    }

    /**
     * A push waiting for its space's next transaction, its mutations' args already read.
     *
     * @param reads the keys its mutators said they will read
     */
    private record Push(String spaceID, PushRequest request, Optional<String> userID, Map<Mutation, Parsed> parsed,
            Set<String> reads) {

        /** The push without the mutations a batch processed: those up to each client's new last mutation id. */
        Push rest(Map<String, Long> processed) {
            List<Mutation> left = request.mutations().stream()
                    .filter(mutation -> mutation.id() > processed.getOrDefault(mutation.clientID(), 0L)).toList();
            return new Push(spaceID, new PushRequest(request.pushVersion(), request.clientGroupID(), left,
                    request.profileID(), request.schemaVersion()), userID, parsed, reads);
        }
    }

    /** A mutation ready to run, or why it cannot (no such mutator, args that do not fit). */
    private record Parsed(Consumer<WriteTransaction> mutate, Collection<String> reads, String failure) {

        static Parsed failed(String failure) {
            return new Parsed(null, List.of(), failure);
        }
    }

    /** Reads the mutations' args (outside the transaction, on the caller's thread) and the keys they will read. */
    private Push prepare(String spaceID, PushRequest request, Optional<String> userID) {
        Map<Mutation, Parsed> parsed = new IdentityHashMap<>();
        Set<String> reads = new HashSet<>();
        for (Mutation mutation : request.mutations()) {
            Parsed ready = mutators.find(mutation.name()).map(mutator -> parse(mutator, mutation.args()))
                    .orElseGet(() -> Parsed.failed("no mutator is named '" + mutation.name() + "'"));
            parsed.put(mutation, ready);
            for (String key : ready.reads()) {
                if (key != null && !key.isEmpty() && StorableText.isStorable(key)) { // no other key is stored
                    reads.add(key);
                }
            }
        }
        return new Push(spaceID, request, userID, parsed, reads);
    }

    private <A> Parsed parse(Mutator<A> mutator, JsonNode args) {
        A parsed;
        try {
            parsed = mapper.treeToValue(args == null ? NullNode.getInstance() : args, mutator.argsType());
        } catch (Exception e) {
            return Parsed.failed("its args do not fit " + mutator.name() + ": " + describe(e));
        }
        Collection<String> reads;
        try {
            reads = mutator.reads(parsed);
        } catch (RuntimeException e) {
            reads = List.of(); // only a hint: the mutator will say what is wrong when it runs
        }
        return new Parsed(tx -> mutator.mutate(tx, parsed), reads == null ? List.of() : reads, null);
    }

    /** Commits a batch of pushes in one transaction, run again from the start if it loses a race. */
    private List<GroupCommit.Result<PushLoop.Outcome>> commit(List<Push> pushes) {
        return Transactions.withRetry("push", config.transactionAttempts(), () -> {
            try (Connection connection = dataSource.getConnection()) { // the transaction's own
                return apply(pushes, new PushRows(connection));
            } catch (SQLException e) {
                throw new StorageException("could not get the transaction's connection", e);
            }
        });
    }

    /**
     * One attempt, inside its transaction: the batch's spaces locked in id order, then every push in turn, then one
     * statement that writes what they changed. (Spaces created on the fly are locked after the others: two
     * transactions creating each other's spaces at once can deadlock, which the database breaks and the retry
     * survives.)
     */
    private List<GroupCommit.Result<PushLoop.Outcome>> apply(List<Push> pushes, PushRows rows) {
        Set<String> spaceIDs = new TreeSet<>(pushes.stream().map(Push::spaceID).toList());
        Map<String, Set<String>> clientIDs = clientIDsOf(pushes);
        Map<String, Set<String>> reads = new HashMap<>();
        pushes.forEach(push -> reads.computeIfAbsent(push.spaceID(), id -> new HashSet<>()).addAll(push.reads()));
        PushRows.Snapshot first = rows.begin(spaceIDs, clientIDs, reads);
        PushRows.Snapshot snapshot = first;
        if (first.versions().size() < spaceIDs.size() && config.autoCreateSpaces()) {
            rows.createSpaces(spaceIDs.stream().filter(id -> !first.versions().containsKey(id)).toList());
            // What was read of the new spaces before they were locked may be stale: read it all again.
            snapshot = rows.begin(spaceIDs, clientIDs, reads);
        }
        Map<String, SpaceWrites> spaces = new HashMap<>();
        Map<String, Map<String, PushRows.Stored>> found = snapshot.entries();
        snapshot.versions().forEach((spaceID, version) -> {
            SpaceWrites writes = new SpaceWrites(SpaceWrites.Rows.of(rows, spaceID), spaceID, version, mapper,
                    config.maxKeyBytes(), config.maxValueSize().asLongValue());
            writes.known(reads.get(spaceID), found.getOrDefault(spaceID, Map.of()));
            spaces.put(spaceID, writes);
        });

        // By space, then id: a client id is a key within its space only.
        Map<String, Map<String, PushRows.Client>> stored = snapshot.clients();
        Map<String, Map<String, PushRows.Client>> clients = new HashMap<>(); // and those the batch creates, as it goes
        stored.forEach((spaceID, inSpace) -> clients.put(spaceID, new HashMap<>(inSpace)));
        Map<String, Map<String, PushRows.ClientWrite>> clientWrites = new LinkedHashMap<>();

        // The batch's time for mutators: after it, what is left waits for the clients to re-send it.
        long deadline = System.nanoTime() + config.groupCommit().maxBatchTime().toNanos();
        boolean[] ran = { false };
        List<GroupCommit.Result<PushLoop.Outcome>> results = new ArrayList<>(pushes.size());
        Map<String, SpaceWrites> changed = new LinkedHashMap<>();
        for (Push push : pushes) {
            String spaceID = push.spaceID();
            PushRequest request = push.request();
            SpaceWrites writes = spaces.get(spaceID);
            Map<String, PushRows.Client> inSpace = clients.computeIfAbsent(spaceID, id -> new HashMap<>());
            InvalidRequestException refused = writes == null
                    ? new InvalidRequestException(404, "SpaceNotFound", "space " + spaceID + " does not exist")
                    : strangerIn(request, inSpace);
            if (refused != null) {
                results.add(GroupCommit.Result.failed(refused));
                continue;
            }
            boolean createsClients = request.mutations().stream()
                    .anyMatch(mutation -> !inSpace.containsKey(mutation.clientID()));
            ClientGroups.Use use = groups.pushed(spaceID, request.clientGroupID(), createsClients, push.userID());
            if (use != ClientGroups.Use.ALLOWED) {
                results.add(GroupCommit.Result.failed(use == ClientGroups.Use.COLLECTED ? new ClientGroupCollected()
                        : new ForbiddenException("the client group is another user's")));
                continue;
            }
            long version = writes.version();
            PushLoop.Outcome outcome = PushLoop.process(request.mutations(), lastMutationIDs(request, inSpace),
                    mutation -> {
                        ran[0] = true;
                        return run(writes, push.userID(), mutation, push.parsed().get(mutation));
                    }, () -> ran[0] && System.nanoTime() > deadline);
            Map<String, PushRows.Client> storedInSpace = stored.getOrDefault(spaceID, Map.of());
            Map<String, PushRows.ClientWrite> writesInSpace = clientWrites.computeIfAbsent(spaceID,
                    id -> new LinkedHashMap<>());
            outcome.lastMutationIDs().forEach((id, lastMutationID) -> {
                inSpace.put(id, new PushRows.Client(id, request.clientGroupID(), spaceID, lastMutationID));
                writesInSpace.put(id, new PushRows.ClientWrite(id, request.clientGroupID(), spaceID, lastMutationID,
                        version, !storedInSpace.containsKey(id)));
            });
            logFailures(spaceID, request.clientGroupID(), outcome.failures());
            if (outcome.changed()) {
                changed.put(spaceID, writes);
            }
            results.add(GroupCommit.Result.of(outcome));
        }
        if (!changed.isEmpty()) {
            List<PushRows.EntryWrite> entries = new ArrayList<>();
            Map<String, Long> versions = new LinkedHashMap<>();
            changed.forEach((spaceID, writes) -> {
                entries.addAll(writes.written());
                versions.put(spaceID, writes.version());
            });
            rows.write(entries, clientWrites.values().stream().flatMap(inSpace -> inSpace.values().stream()).toList(),
                    versions);
            versions.forEach((spaceID, version) -> spaceChanged.fire(new SpaceChanged(spaceID, version, false)));
        }
        return results;
    }

    /**
     * One WARN line per push whose mutations failed, however many did: the count, and the first failure (client,
     * id, mutator and reason, with control characters escaped: they are the client's words); every failure at DEBUG.
     */
    private static void logFailures(String spaceID, String clientGroupID, List<PushLoop.Failure> failures) {
        if (failures.isEmpty()) {
            return;
        }
        Mutation first = failures.get(0).mutation();
        Log.warnf("%d mutation(s) of a push to space %s from group %s failed, their writes were discarded; the first: "
                + "mutation %d (%s) of client %s: %s", failures.size(), spaceID, LogSafe.of(clientGroupID), first.id(),
                LogSafe.of(first.name()), LogSafe.of(first.clientID()), LogSafe.of(failures.get(0).reason()));
        if (failures.size() > 1 && Log.isDebugEnabled()) {
            for (PushLoop.Failure failure : failures) {
                Mutation mutation = failure.mutation();
                Log.debugf("Mutation %d (%s) of client %s in space %s failed: %s", mutation.id(),
                        LogSafe.of(mutation.name()), LogSafe.of(mutation.clientID()), spaceID, LogSafe.of(failure.reason()));
            }
        }
    }

    /** By space, the ids of the clients of the batch's pushes. */
    private static Map<String, Set<String>> clientIDsOf(List<Push> pushes) {
        Map<String, Set<String>> ids = new HashMap<>();
        pushes.forEach(push -> push.request().mutations().forEach(mutation -> ids
                .computeIfAbsent(push.spaceID(), id -> new LinkedHashSet<>()).add(mutation.clientID())));
        return ids;
    }

    /**
     * The last mutation id of each of the push's clients that exists in the space (as of the batch's earlier pushes).
     */
    private static Map<String, Long> lastMutationIDs(PushRequest request, Map<String, PushRows.Client> clients) {
        Map<String, Long> last = new HashMap<>();
        for (Mutation mutation : request.mutations()) {
            PushRows.Client client = clients.get(mutation.clientID());
            if (client != null) {
                last.put(client.id(), client.lastMutationID());
            }
        }
        return last;
    }

    /**
     * A client of the push that belongs to another group of the space rejects the whole push, before it runs. Only
     * the space's own clients are asked: the same id in another space is another client, and the reply says nothing
     * of it.
     */
    private static InvalidRequestException strangerIn(PushRequest request, Map<String, PushRows.Client> clientsInSpace) {
        for (Mutation mutation : request.mutations()) {
            PushRows.Client client = clientsInSpace.get(mutation.clientID());
            if (client != null && !client.clientGroupID().equals(request.clientGroupID())) {
                return new InvalidRequestException("ClientNotInGroup",
                        "client %s belongs to another client group".formatted(client.id()));
            }
        }
        return null;
    }

    /**
     * Runs one mutation on its own writes, which become the space's when it succeeds; a fault of the database aborts
     * the push, any other failure fails just this mutation (and its writes are dropped).
     */
    private static String run(SpaceWrites space, Optional<String> userID, Mutation mutation, Parsed parsed) {
        if (parsed.failure() != null) {
            return parsed.failure();
        }
        MutationWrites writes = space.mutation(userID, mutation.clientID(), mutation.id());
        try {
            parsed.mutate().accept(writes);
            writes.flush();
            return null;
        } catch (RuntimeException e) {
            if (Faults.isDatabaseFault(e)) {
                throw e;
            }
            return e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        }
    }

    /** Jackson's first line, which says what was wrong without a stack trace. */
    private static String describe(Exception e) {
        String message = String.valueOf(e.getMessage());
        int newline = message.indexOf('\n');
        return newline < 0 ? message : message.substring(0, newline);
    }
}
