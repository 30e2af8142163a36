package io.github.replicachequarkus.sync;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletionStage;
import java.util.function.Consumer;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Event;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.event.TransactionPhase;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.github.replicachequarkus.mutator.WriteTransaction;
import io.github.replicachequarkus.protocol.InvalidRequestException;
import io.github.replicachequarkus.protocol.SpaceId;
import io.github.replicachequarkus.protocol.StorableText;
import io.github.replicachequarkus.relay.SpaceChanged;
import io.github.replicachequarkus.relay.SpaceDeleted;
import io.github.replicachequarkus.store.ClientGroups;
import io.github.replicachequarkus.store.Outbox;
import io.github.replicachequarkus.store.Space;
import io.github.replicachequarkus.store.Transactions;
import io.github.replicachequarkus.sync.PushBatch.Parsed;
import io.github.replicachequarkus.sync.PushBatch.ServerWrite;
import io.quarkus.logging.Log;

/**
 * Changes spaces from the server itself: a scheduled job, an event from another system, the server API. A write runs
 * as the server (no client's last mutation id moves) with the pushes of its space, in the same transaction as they
 * and through the same {@link WriteTransaction} mutators use; it commits one new version of the space (when it changed
 * anything), and every room and poke listener hears of it as of a push. A space that does not exist is created, as a
 * push would create it (when spaces are created on the fly), and a deleted one comes back.
 * <p>
 * A write commits in a transaction of its own (its lane's), never in the caller's: a caller's transaction that rolls
 * back later does not undo it. Each method waits for the commit: call them from a worker thread (a {@code @Scheduled}
 * method, a {@code @Blocking} endpoint), never from an event loop; or use {@link #applyAsync}.
 */
@ApplicationScoped
public class SpaceWriter {

    /** A mutation of a registered mutator, by name, with its args (anything Jackson reads into the args' type). */
    public record Call(String name, Object args) {
        public Call {
            Objects.requireNonNull(name, "name");
        }
    }

    /**
     * What a write did, and whether it was the stored reply of an earlier request with the same idempotency key
     * (nothing was applied again).
     */
    public record Applied(MutateReply reply, boolean replayed) {
    }

    private final PushService pushes;
    private final ObjectMapper mapper;
    private final Event<SpaceChanged> spaceChanged;
    private final Event<SpaceDeleted> spaceDeleted;
    private final ClientGroups groups;
    private final Outbox outbox;

    SpaceWriter(PushService pushes, ObjectMapper mapper, Event<SpaceChanged> spaceChanged,
            Event<SpaceDeleted> spaceDeleted, ClientGroups groups, Outbox outbox) {
        this.outbox = outbox;
        this.pushes = pushes;
        this.mapper = mapper;
        this.spaceChanged = spaceChanged;
        this.spaceDeleted = spaceDeleted;
        this.groups = groups;
    }

    /**
     * Runs one registered mutator on the space, as the server.
     *
     * @return the space's version after the commit
     * @throws MutationFailedException when the mutator failed (nothing was applied)
     * @throws InvalidRequestException when the space does not exist and spaces are not created on the fly
     */
    public long mutate(String spaceID, String name, Object args) {
        return apply(spaceID, List.of(new Call(name, args)), true).version();
    }

    /**
     * Runs code on the space, as the server, through the same {@link WriteTransaction} mutators get: all of it or, when
     * it throws, nothing.
     *
     * @return the space's version after the commit
     * @throws MutationFailedException when the code threw (nothing was applied)
     */
    public long write(String spaceID, Consumer<WriteTransaction> change) {
        Objects.requireNonNull(change, "change");
        ServerWrite write = new ServerWrite(SpaceId.require(spaceID), List.of(new Parsed(change, List.of(), null)),
                null, true, null, null, Set.of());
        return GroupCommit.join(pushes.writeAsync(write)).reply().version();
    }

    /**
     * Runs registered mutators on the space, as the server, in one transaction.
     *
     * @param atomic all or nothing: the first mutation that fails fails the write (a {@link MutationFailedException});
     *        otherwise the ones that fail are skipped, and the reply says which
     */
    public MutateReply apply(String spaceID, List<Call> calls, boolean atomic) {
        return GroupCommit.join(applyAsync(spaceID, calls, atomic, null, null)).reply();
    }

    /**
     * {@link #apply}, without waiting. With an idempotency key, a repeat of the same request (same {@code requestHash})
     * in the same space within the keys' retention gets the first reply and applies nothing again; the key with another
     * request fails with 422 {@code IdempotencyKeyReused}.
     *
     * @param idempotencyKey null for none
     * @param requestHash what tells a repeat of the request from another one with the same key (with the key)
     */
    public CompletionStage<Applied> applyAsync(String spaceID, List<Call> calls, boolean atomic, String idempotencyKey,
            String requestHash) {
        SpaceId.require(spaceID);
        if (idempotencyKey != null && (idempotencyKey.isEmpty() || !StorableText.isStorable(idempotencyKey)
                || idempotencyKey.length() > 255)) {
            throw new InvalidRequestException("InvalidIdempotencyKey",
                    "an Idempotency-Key must be 1 to 255 characters of Unicode text");
        }
        List<Parsed> parsed = new ArrayList<>(calls.size());
        List<String> names = new ArrayList<>(calls.size());
        Set<String> reads = new HashSet<>();
        for (Call call : calls) {
            JsonNode args = mapper.valueToTree(call.args());
            Parsed ready = pushes.parse(call.name(), args);
            parsed.add(ready);
            names.add(call.name());
            PushService.addReadsAhead(ready, reads);
        }
        ServerWrite write = new ServerWrite(spaceID, parsed, names, atomic, idempotencyKey,
                idempotencyKey == null ? null : Objects.requireNonNull(requestHash, "requestHash"), reads);
        return pushes.writeAsync(write).thenApply(answer -> new Applied(answer.reply(), answer.replayed()));
    }

    /**
     * Deletes the space: its entries, clients and placement go, its sockets on every machine are closed with 4404, and
     * later pushes and pulls of it get 404 until a write of the server brings it back (empty). Waits for the pushes
     * that hold the space's row. Webhook endpoints get the deletion as a change that deletes every key.
     *
     * @return whether there was a space to delete
     */
    public boolean delete(String spaceID) {
        SpaceId.require(spaceID);
        return Transactions.withRetry("delete of " + spaceID, 3, () -> {
            var version = Space.delete(spaceID, outbox);
            version.ifPresent(deletedAt -> {
                spaceChanged.fire(new SpaceChanged(spaceID, deletedAt, false));
                spaceDeleted.fire(new SpaceDeleted(spaceID, false));
                Log.infof("Space %s was deleted at version %d", spaceID, deletedAt);
            });
            return version.isPresent();
        });
    }

    /**
     * A space was deleted, here or on another machine: what this machine remembers of its client groups must not let
     * one of them through (they were marked collected).
     */
    void forgetGroups(@Observes(during = TransactionPhase.AFTER_SUCCESS) SpaceDeleted deleted) {
        groups.forgetSpace(deleted.spaceID());
    }
}
