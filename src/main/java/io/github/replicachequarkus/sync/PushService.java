package io.github.replicachequarkus.sync;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.Collection;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Event;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.NullNode;

import io.agroal.api.AgroalDataSource;
import io.github.replicachequarkus.auth.Caller;
import io.github.replicachequarkus.mutator.Mutator;
import io.github.replicachequarkus.mutator.MutatorRegistry;
import io.github.replicachequarkus.protocol.InvalidRequestException;
import io.github.replicachequarkus.protocol.Mutation;
import io.github.replicachequarkus.protocol.ProtocolError;
import io.github.replicachequarkus.protocol.PushRequest;
import io.github.replicachequarkus.protocol.SpaceId;
import io.github.replicachequarkus.protocol.StorableText;
import io.github.replicachequarkus.relay.SpaceChanged;
import io.github.replicachequarkus.store.ClientGroups;
import io.github.replicachequarkus.store.Faults;
import io.github.replicachequarkus.store.Outbox;
import io.github.replicachequarkus.store.PushRows;
import io.github.replicachequarkus.store.StorageException;
import io.github.replicachequarkus.store.Transactions;
import io.github.replicachequarkus.sync.PushBatch.ClientGroupCollected;
import io.github.replicachequarkus.sync.PushBatch.Parsed;
import io.github.replicachequarkus.sync.PushBatch.Push;
import io.github.replicachequarkus.sync.PushBatch.ServerWrite;
import io.quarkus.logging.Log;
import io.smallrye.mutiny.infrastructure.Infrastructure;

/**
 * Takes pushes in: checks each, reads its mutations' args, and queues it to be committed with others (see
 * {@link GroupCommit}): spaces are spread over a few lanes by their id, and the pushes that arrive in a lane while its
 * transaction runs go into its next one. That transaction, a {@link PushBatch}, locks the rows of its spaces (in id
 * order), runs each push in turn (each with its own all-or-nothing result) and commits one new version of each space
 * it changed. A hot space pays for one transaction per batch rather than one per push, and so
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
    private final GroupCommit<PushBatch.Work, Object> commits;
    private final int lanes;
    private final AgroalDataSource dataSource;
    private final PushRate pushRate;
    /** What a push records of its changes for the webhooks (see the webhook package), or nothing. */
    private final Outbox outbox;

    PushService(MutatorRegistry mutators, Event<SpaceChanged> spaceChanged, ObjectMapper mapper, SyncConfig config,
            SyncMetrics metrics, ClientGroups groups, AgroalDataSource dataSource, PushRate pushRate, Outbox outbox) {
        this.pushRate = pushRate;
        this.outbox = outbox;
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
                PushBatch.Work::weight, Math.max(1, config.groupCommit().maxPushes()),
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
        return commits.submitAsync(lane(push.spaceID()), push).thenCompose(done -> {
            PushLoop.Outcome outcome = (PushLoop.Outcome) done;
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

    /**
     * Queues a write of the app's backend for its lane's next transaction, with the pushes of its space: it commits
     * with them, and pokes as they do. It fails with a {@link MutationFailedException} when it is atomic and a mutation
     * failed, with an {@link InvalidRequestException} when the space does not exist (and is not made on the fly) or
     * its idempotency key came with another request, or with a {@link BusyException} when the lane is full.
     */
    CompletionStage<PushBatch.Answer> writeAsync(ServerWrite write) {
        SpaceId.require(write.spaceID());
        return commits.submitAsync(lane(write.spaceID()), write).thenApply(done -> {
            PushBatch.Answer answer = (PushBatch.Answer) done;
            if (!answer.replayed() && write.named() != null) {
                metrics.serverWrote(write.named(), answer.reply());
            }
            return answer;
        });
    }

    /** A mutation of the app's backend, by the name of a registered mutator, its args read (or why they do not fit). */
    Parsed parse(String name, JsonNode args) {
        return mutators.find(name).map(mutator -> parse(mutator, args))
                .orElseGet(() -> Parsed.failed("no mutator is named '" + name + "'"));
    }

    /** Adds the keys the mutation said it will read that can have a row (no other key is stored) to those read ahead. */
    static void addReadsAhead(Parsed parsed, Set<String> reads) {
        for (String key : parsed.reads()) {
            if (key != null && !key.isEmpty() && StorableText.isStorable(key)) {
                reads.add(key);
            }
        }
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

    /** Reads the mutations' args (outside the transaction, on the caller's thread) and the keys they will read. */
    private Push prepare(String spaceID, PushRequest request, Optional<String> userID) {
        Map<Mutation, Parsed> parsed = new IdentityHashMap<>();
        Set<String> reads = new HashSet<>();
        for (Mutation mutation : request.mutations()) {
            Parsed ready = parse(mutation.name(), mutation.args());
            parsed.put(mutation, ready);
            addReadsAhead(ready, reads);
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

    /**
     * Commits a batch of pushes and server writes in one transaction, run again from the start if it loses a race.
     */
    private List<GroupCommit.Result<Object>> commit(List<PushBatch.Work> work) {
        return Transactions.withRetry("push", config.transactionAttempts(), () -> {
            try (Connection connection = dataSource.getConnection()) { // the transaction's own
                PushRows rows = new PushRows(connection, outbox);
                PushBatch batch = PushBatch.begin(work, rows, groups::pushed, config, mapper);
                List<GroupCommit.Result<Object>> results = batch.process();
                batch.revived().forEach(rows::revive);
                batch.write(rows::write)
                        .forEach((spaceID, version) -> spaceChanged.fire(new SpaceChanged(spaceID, version, false)));
                rows.storeIdempotentReplies(batch.idempotentReplies());
                return results;
            } catch (SQLException e) {
                throw new StorageException("could not get the transaction's connection", e);
            }
        });
    }

    /** Jackson's first line, which says what was wrong without a stack trace. */
    private static String describe(Exception e) {
        String message = String.valueOf(e.getMessage());
        int newline = message.indexOf('\n');
        return newline < 0 ? message : message.substring(0, newline);
    }
}
