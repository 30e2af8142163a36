package io.github.replicachequarkus.sync;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Consumer;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.github.replicachequarkus.LogSafe;
import io.github.replicachequarkus.auth.ForbiddenException;
import io.github.replicachequarkus.mutator.WriteTransaction;
import io.github.replicachequarkus.protocol.InvalidRequestException;
import io.github.replicachequarkus.protocol.Mutation;
import io.github.replicachequarkus.protocol.PushRequest;
import io.github.replicachequarkus.store.ClientGroups;
import io.github.replicachequarkus.store.Faults;
import io.github.replicachequarkus.store.PushRows;
import io.quarkus.logging.Log;

/**
 * One attempt at a batch of pushes, inside its transaction: {@link #begin} locks the batch's spaces and reads what its
 * pushes need, {@link #process()} runs the pushes in turn, each with its own all-or-nothing result, and {@link #write}
 * stores what they changed in one statement. In between it holds what the pushes share: each space's writes, the
 * clients as the pushes before left them, and the client rows to store. Past {@link #begin}, it meets the database only
 * through what it is given ({@link SpaceWrites.Rows}, {@link Groups}, {@link Writer}), so that its rules are tested
 * without one.
 */
final class PushBatch {

    /** What a batch runs: a client's push, or a write of the app's backend. */
    sealed interface Work permits Push, ServerWrite {

        String spaceID();

        /** The keys its mutators said they will read. */
        Set<String> reads();

        /** How many mutations it runs: what a batch holds is counted in these. */
        int weight();
    }

    /**
     * A push waiting for its space's next transaction, its mutations' args already read.
     *
     * @param reads the keys its mutators said they will read
     */
    record Push(String spaceID, PushRequest request, Optional<String> userID, Map<Mutation, Parsed> parsed,
            Set<String> reads) implements Work {

        @Override
        public int weight() {
            return request.mutations().size();
        }

        /** The push without the mutations a batch processed: those up to each client's new last mutation id. */
        Push rest(Map<String, Long> processed) {
            List<Mutation> left = request.mutations().stream()
                    .filter(mutation -> mutation.id() > processed.getOrDefault(mutation.clientID(), 0L)).toList();
            return new Push(spaceID, new PushRequest(request.pushVersion(), request.clientGroupID(), left,
                    request.profileID(), request.schemaVersion()), userID, parsed, reads);
        }
    }

    /**
     * Mutations of the app's backend (the server API's mutate, or {@link SpaceWriter}), run as the server: no client's
     * last mutation id moves. All or nothing when {@code atomic}: the first that fails discards them all (and the
     * request fails with a {@link MutationFailedException}); otherwise each that fails is skipped and reported.
     *
     * @param idempotencyKey with the hash of the request, what a retry is recognised by; {@code null} for none
     * @param named the mutator names, for metrics ({@code null} for a write given as code)
     */
    record ServerWrite(String spaceID, List<Parsed> mutations, List<String> named, boolean atomic,
            String idempotencyKey, String requestHash, Set<String> reads) implements Work {

        @Override
        public int weight() {
            return Math.max(1, mutations.size());
        }
    }

    /** A mutation ready to run, or why it cannot (no such mutator, args that do not fit). */
    record Parsed(Consumer<WriteTransaction> mutate, Collection<String> reads, String failure) {

        static Parsed failed(String failure) {
            return new Parsed(null, List.of(), failure);
        }
    }

    /** The push's client group was collected after a long idle time: the client must start afresh. */
    static final class ClientGroupCollected extends RuntimeException {
        ClientGroupCollected() {
            super("the client group was collected", null, false, false);
        }
    }

    /** Whether a push may use its client group: {@link ClientGroups#pushed}, which records it in the transaction. */
    @FunctionalInterface
    interface Groups {
        ClientGroups.Use pushed(String spaceID, String clientGroupID, boolean createsClients, Optional<String> userID);
    }

    /** Where the batch's changes go: {@link PushRows#write}, one statement. */
    @FunctionalInterface
    interface Writer {
        void write(List<PushRows.EntryWrite> entries, List<PushRows.ClientWrite> clients, Map<String, Long> versions);
    }

    private final List<Work> work;
    private final Groups groups;
    /** The spaces of the batch that were deleted and not brought back by a server write of this batch. */
    private final Set<String> deleted;
    /** By space, then key, the idempotency keys stored or used by an earlier server write of the batch. */
    private final Map<String, Map<String, PushRows.IdempotentReply>> idempotent;
    /** The replies to store for idempotency keys used by this batch, with the write that made each. */
    private final List<Replied> replied = new ArrayList<>();
    /** The deleted spaces that server writes of the batch bring back. */
    private final Set<String> revived = new LinkedHashSet<>();
    private final ObjectMapper mapper;
    /** The batch's spaces that exist, each with its entries as the pushes so far left them. */
    private final Map<String, SpaceWrites> spaces;
    /** By space, then id, the clients stored when the batch began: a client id is a key within its space only. */
    private final Map<String, Map<String, PushRows.Client>> stored;
    /** By space, then id, the clients as the pushes so far left them, those they created too. */
    private final Map<String, Map<String, PushRows.Client>> clients = new HashMap<>();
    /** By space, then id, the client rows to write, in the order the pushes first advanced them. */
    private final Map<String, Map<String, PushRows.ClientWrite>> clientWrites = new LinkedHashMap<>();
    /** The spaces the pushes changed, in the order they first did. */
    private final Map<String, SpaceWrites> changed = new LinkedHashMap<>();
    /** The batch's time for mutators: after it, what is left of its pushes waits for a later batch. */
    private final long deadline;
    /** Whether a mutation ran: the time runs out only after one did, so that every batch gets somewhere. */
    private boolean ran;

    /**
     * @param spaces the batch's spaces that exist, with what was read ahead of each
     * @param stored by space, then id, the clients of the pushes that are stored
     * @param maxTime how long the batch may run mutators
     */
    PushBatch(List<? extends Work> work, Map<String, SpaceWrites> spaces,
            Map<String, Map<String, PushRows.Client>> stored, Groups groups, Duration maxTime) {
        this(work, spaces, stored, Set.of(), List.of(), groups, maxTime, new ObjectMapper());
    }

    /**
     * @param deleted the batch's spaces that were deleted (among {@code spaces})
     * @param idempotent the replies stored for the idempotency keys of the batch's server writes
     */
    PushBatch(List<? extends Work> work, Map<String, SpaceWrites> spaces,
            Map<String, Map<String, PushRows.Client>> stored, Set<String> deleted,
            List<PushRows.IdempotentReply> idempotent, Groups groups, Duration maxTime, ObjectMapper mapper) {
        this.work = List.copyOf(work);
        this.spaces = spaces;
        this.stored = stored;
        this.deleted = new HashSet<>(deleted);
        this.idempotent = new HashMap<>();
        idempotent.forEach(reply -> this.idempotent.computeIfAbsent(reply.spaceID(), id -> new HashMap<>())
                .put(reply.key(), reply));
        this.groups = groups;
        this.mapper = mapper;
        this.deadline = System.nanoTime() + maxTime.toNanos();
    }

    /**
     * Locks the batch's spaces in id order and reads the clients of its pushes and the keys their mutators will read,
     * in one round trip. (Spaces created on the fly are locked after the others: two transactions creating each
     * other's spaces at once can deadlock, which the database breaks and the retry survives.)
     */
    static PushBatch begin(List<Work> work, PushRows rows, Groups groups, SyncConfig config, ObjectMapper mapper) {
        Set<String> spaceIDs = new TreeSet<>(work.stream().map(Work::spaceID).toList());
        Map<String, Set<String>> clientIDs = new HashMap<>();
        Map<String, Set<String>> reads = new HashMap<>();
        Map<String, Set<String>> idempotencyKeys = new HashMap<>();
        for (Work item : work) {
            if (item instanceof Push push) {
                Set<String> ids = clientIDs.computeIfAbsent(push.spaceID(), id -> new LinkedHashSet<>());
                push.request().mutations().forEach(mutation -> ids.add(mutation.clientID()));
            } else if (item instanceof ServerWrite write && write.idempotencyKey() != null) {
                idempotencyKeys.computeIfAbsent(write.spaceID(), id -> new HashSet<>()).add(write.idempotencyKey());
            }
            reads.computeIfAbsent(item.spaceID(), id -> new HashSet<>()).addAll(item.reads());
        }
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
            SpaceWrites space = new SpaceWrites(SpaceWrites.Rows.of(rows, spaceID), spaceID, version, mapper,
                    config.maxKeyBytes(), config.maxValueSize().asLongValue());
            space.known(reads.get(spaceID), found.getOrDefault(spaceID, Map.of()));
            spaces.put(spaceID, space);
        });
        List<PushRows.IdempotentReply> stored = idempotencyKeys.isEmpty() ? List.of()
                : rows.idempotentReplies(idempotencyKeys);
        return new PushBatch(work, spaces, snapshot.clients(), snapshot.deleted(), stored, groups,
                config.groupCommit().maxBatchTime(), mapper);
    }

    /**
     * Runs the work in turn: the result of each, in their order (a push's {@link PushLoop.Outcome}, a server write's
     * {@link MutateReply}).
     */
    List<GroupCommit.Result<Object>> process() {
        List<GroupCommit.Result<Object>> results = new ArrayList<>(work.size());
        for (Work item : work) {
            results.add(switch (item) {
                case Push push -> widen(process(push));
                case ServerWrite write -> widen(process(write));
            });
        }
        // A server write's reply says the version it committed at, known only now that every item ran.
        Map<String, MutateReply> byKey = new HashMap<>();
        for (int i = 0; i < work.size(); i++) {
            if (work.get(i) instanceof ServerWrite write && results.get(i).value() instanceof Ran ran) {
                MutateReply reply = ran.reply(versionAfter(write.spaceID()));
                if (write.idempotencyKey() != null) {
                    replied.add(new Replied(write, reply));
                    byKey.put(write.spaceID() + '\n' + write.idempotencyKey(), reply);
                }
                results.set(i, GroupCommit.Result.of(new Answer(reply, false)));
            }
        }
        for (int i = 0; i < work.size(); i++) {
            if (work.get(i) instanceof ServerWrite write && results.get(i).value() instanceof Repeat) {
                MutateReply first = byKey.get(write.spaceID() + '\n' + write.idempotencyKey());
                results.set(i, GroupCommit.Result.of(new Answer(first, true)));
            }
        }
        return results;
    }

    /** The deleted spaces that server writes of the batch brought back: to be revived before the changes are written. */
    Set<String> revived() {
        return revived;
    }

    /** The space's version once the batch commits: its next one when the batch changed it. */
    private long versionAfter(String spaceID) {
        SpaceWrites space = spaces.get(spaceID);
        return changed.containsKey(spaceID) ? space.version() : space.version() - 1;
    }

    /**
     * The replies of the server writes sent with an idempotency key that the batch ran: stored with its changes, so
     * that a retry gets the same reply.
     */
    List<PushRows.IdempotentReply> idempotentReplies() {
        List<PushRows.IdempotentReply> replies = new ArrayList<>(replied.size());
        for (Replied done : replied) {
            try {
                replies.add(new PushRows.IdempotentReply(done.write().spaceID(), done.write().idempotencyKey(),
                        done.write().requestHash(), mapper.writeValueAsString(done.reply())));
            } catch (JsonProcessingException e) {
                throw new IllegalStateException("a mutate reply does not write as JSON", e);
            }
        }
        return replies;
    }

    private static InvalidRequestException noSpace(String spaceID) {
        return new InvalidRequestException(404, "SpaceNotFound", "space " + spaceID + " does not exist");
    }

    @SuppressWarnings("unchecked")
    private static GroupCommit.Result<Object> widen(GroupCommit.Result<?> result) {
        return (GroupCommit.Result<Object>) result;
    }

    /**
     * Writes what the pushes changed, when they changed anything: their entries, their clients and each changed
     * space's new version.
     *
     * @return the new version of each space written
     */
    Map<String, Long> write(Writer writer) {
        if (changed.isEmpty()) {
            return Map.of();
        }
        List<PushRows.EntryWrite> entries = new ArrayList<>();
        Map<String, Long> versions = new LinkedHashMap<>();
        changed.forEach((spaceID, space) -> {
            entries.addAll(space.written());
            versions.put(spaceID, space.version());
        });
        List<PushRows.ClientWrite> clientRows = new ArrayList<>();
        clientWrites.values().forEach(inSpace -> clientRows.addAll(inSpace.values()));
        writer.write(entries, clientRows, versions);
        return versions;
    }

    /**
     * One push: refused before it runs when its space does not exist or it may not run there (see {@link #refusal}),
     * otherwise its mutations run by the rules of {@link PushLoop}.
     */
    private GroupCommit.Result<PushLoop.Outcome> process(Push push) {
        String spaceID = push.spaceID();
        SpaceWrites space = spaces.get(spaceID);
        if (space == null) {
            return GroupCommit.Result.failed(noSpace(spaceID));
        }
        if (deleted.contains(spaceID)) {
            return GroupCommit.Result.failed(PullService.deleted(spaceID));
        }
        Map<String, PushRows.Client> inSpace = clients.computeIfAbsent(spaceID,
                id -> new HashMap<>(stored.getOrDefault(id, Map.of())));
        RuntimeException refused = refusal(push, inSpace);
        if (refused != null) {
            return GroupCommit.Result.failed(refused);
        }
        PushRequest request = push.request();
        PushLoop.Outcome outcome = PushLoop.process(request.mutations(), lastMutationIDs(request, inSpace),
                mutation -> run(space, push, mutation), () -> ran && System.nanoTime() > deadline);
        advance(space, request.clientGroupID(), outcome.lastMutationIDs());
        logFailures(spaceID, request.clientGroupID(), outcome.failures());
        if (outcome.changed()) {
            changed.put(spaceID, space);
        }
        return GroupCommit.Result.of(outcome);
    }

    /**
     * One server write: its stored reply when its idempotency key was used before by the same request, otherwise its
     * mutations run (all or nothing, when atomic). A deleted space comes back, empty, when the write succeeds.
     */
    private GroupCommit.Result<Object> process(ServerWrite write) {
        String spaceID = write.spaceID();
        SpaceWrites space = spaces.get(spaceID);
        if (space == null) {
            return GroupCommit.Result.failed(noSpace(spaceID));
        }
        if (write.idempotencyKey() != null) {
            PushRows.IdempotentReply earlier = idempotent.getOrDefault(spaceID, Map.of()).get(write.idempotencyKey());
            if (earlier != null) {
                return replay(earlier, write);
            }
        }
        ran = true;
        List<String> failures = new ArrayList<>(write.mutations().size());
        MutationWrites together = write.atomic() ? space.mutation(Optional.empty(), "", 0, true) : null;
        for (int i = 0; i < write.mutations().size(); i++) {
            Parsed parsed = write.mutations().get(i);
            MutationWrites writes = together != null ? together : space.mutation(Optional.empty(), "", 0, true);
            String failure = run(parsed, writes);
            if (failure != null && write.atomic()) {
                return GroupCommit.Result.failed(new MutationFailedException(i, failure));
            }
            if (failure == null && together == null) {
                writes.flush();
            }
            failures.add(failure);
        }
        if (together != null) {
            together.flush();
        }
        if (deleted.remove(spaceID)) {
            revived.add(spaceID);
            changed.put(spaceID, space); // its new life starts at a version of its own
        } else if (space.hasWrites()) {
            changed.put(spaceID, space);
        }
        if (write.idempotencyKey() != null) {
            idempotent.computeIfAbsent(spaceID, id -> new HashMap<>()).put(write.idempotencyKey(),
                    new PushRows.IdempotentReply(spaceID, write.idempotencyKey(), write.requestHash(), null));
        }
        return GroupCommit.Result.of(new Ran(failures));
    }

    /** A retry of a server write: the reply stored for its key, or a refusal when the key came with another request. */
    private GroupCommit.Result<Object> replay(PushRows.IdempotentReply earlier, ServerWrite write) {
        if (!earlier.requestHash().equals(write.requestHash())) {
            return GroupCommit.Result.failed(new InvalidRequestException(422, "IdempotencyKeyReused",
                    "this Idempotency-Key was used with another request in this space"));
        }
        if (earlier.reply() == null) { // an earlier write of this very batch: its reply is not made yet
            return GroupCommit.Result.of(new Repeat());
        }
        try {
            return GroupCommit.Result.of(new Answer(mapper.readValue(earlier.reply(), MutateReply.class), true));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a stored mutate reply does not read back", e);
        }
    }

    /**
     * Why the push may not run in its space, or {@code null}: one of its clients is another group's, or it may not use
     * its group. The group is asked (and its use recorded) only when none of the clients is another group's.
     *
     * @param inSpace the space's clients, as the batch's earlier pushes left them
     */
    private RuntimeException refusal(Push push, Map<String, PushRows.Client> inSpace) {
        PushRequest request = push.request();
        InvalidRequestException stranger = strangerIn(request, inSpace);
        if (stranger != null) {
            return stranger;
        }
        boolean createsClients = request.mutations().stream()
                .anyMatch(mutation -> !inSpace.containsKey(mutation.clientID()));
        return switch (groups.pushed(push.spaceID(), request.clientGroupID(), createsClients, push.userID())) {
            case ALLOWED -> null;
            case COLLECTED -> new ClientGroupCollected();
            case ANOTHER_USERS -> new ForbiddenException("the client group is another user's");
        };
    }

    /**
     * Runs one mutation on writes of its own, which become the space's when it succeeds; a fault of the database aborts
     * the batch, any other failure fails just this mutation, and its writes are dropped.
     */
    private String run(SpaceWrites space, Push push, Mutation mutation) {
        ran = true;
        MutationWrites writes = space.mutation(push.userID(), mutation.clientID(), mutation.id(), false);
        String failure = run(push.parsed().get(mutation), writes);
        if (failure == null) {
            writes.flush();
        }
        return failure;
    }

    /**
     * Runs a mutation on the writes given (not flushed): why it failed, or {@code null}. A fault of the database aborts
     * the batch (it throws); any other failure is the mutation's.
     */
    private static String run(Parsed parsed, MutationWrites writes) {
        if (parsed.failure() != null) {
            return parsed.failure();
        }
        try {
            parsed.mutate().accept(writes);
            return null;
        } catch (RuntimeException e) {
            if (Faults.isDatabaseFault(e)) {
                throw e;
            }
            return e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        }
    }

    /** The push's clients advanced: so the batch's later pushes see them, and so the batch will store them. */
    private void advance(SpaceWrites space, String clientGroupID, Map<String, Long> lastMutationIDs) {
        String spaceID = space.spaceID();
        Map<String, PushRows.Client> inSpace = clients.get(spaceID);
        Map<String, PushRows.Client> storedInSpace = stored.getOrDefault(spaceID, Map.of());
        Map<String, PushRows.ClientWrite> writes = clientWrites.computeIfAbsent(spaceID, id -> new LinkedHashMap<>());
        lastMutationIDs.forEach((id, lastMutationID) -> {
            inSpace.put(id, new PushRows.Client(id, clientGroupID, spaceID, lastMutationID));
            writes.put(id, new PushRows.ClientWrite(id, clientGroupID, spaceID, lastMutationID, space.version(),
                    !storedInSpace.containsKey(id)));
        });
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
     * The last mutation id of each of the push's clients that exists in the space (as of the batch's earlier pushes).
     */
    private static Map<String, Long> lastMutationIDs(PushRequest request, Map<String, PushRows.Client> clientsInSpace) {
        Map<String, Long> last = new HashMap<>();
        for (Mutation mutation : request.mutations()) {
            PushRows.Client client = clientsInSpace.get(mutation.clientID());
            if (client != null) {
                last.put(client.id(), client.lastMutationID());
            }
        }
        return last;
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

    /** A server write that ran, its reply waiting for the version the batch commits at. */
    private record Ran(List<String> failures) {

        MutateReply reply(long version) {
            return new MutateReply(version, failures.stream()
                    .map(failure -> failure == null ? MutateReply.Result.OK : MutateReply.Result.failed(failure))
                    .toList());
        }
    }

    /** A server write whose idempotency key an earlier write of the same batch used: it gets that one's reply. */
    private record Repeat() {
    }

    /** A server write's reply, and whether it is the stored reply of an earlier request with its idempotency key. */
    record Answer(MutateReply reply, boolean replayed) {
    }

    /** A server write with an idempotency key that ran, and its reply. */
    private record Replied(ServerWrite write, MutateReply reply) {
    }
}
