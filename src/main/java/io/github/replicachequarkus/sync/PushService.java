package io.github.replicachequarkus.sync;

import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Event;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.NullNode;

import io.github.replicachequarkus.mutator.Mutator;
import io.github.replicachequarkus.mutator.MutatorRegistry;
import io.github.replicachequarkus.store.ClientRecord;
import io.github.replicachequarkus.store.Space;
import io.quarkus.logging.Log;

/**
 * Applies pushes: one transaction per push, on its space's row locked for update, so that the pushes of one space
 * take turns and each commits one new version of the space.
 */
@ApplicationScoped
public class PushService {

    private final MutatorRegistry mutators;
    private final Event<SpaceChanged> spaceChanged;
    private final ObjectMapper mapper;
    private final SyncConfig config;
    private final SyncMetrics metrics;

    PushService(MutatorRegistry mutators, Event<SpaceChanged> spaceChanged, ObjectMapper mapper, SyncConfig config,
            SyncMetrics metrics) {
        this.mutators = mutators;
        this.spaceChanged = spaceChanged;
        this.mapper = mapper;
        this.config = config;
        this.metrics = metrics;
    }

    /**
     * @return {@code null} when the push was processed, or the protocol error to answer with
     * @throws InvalidRequestException when the request is malformed or a client belongs to another group or space
     */
    public ProtocolError push(String spaceID, PushRequest request) {
        SpaceId.require(spaceID);
        if (request == null) {
            throw new InvalidRequestException("InvalidRequest", "the body must be a PushRequest JSON object");
        }
        if (request.pushVersion() == null) {
            throw new InvalidRequestException("InvalidRequest", "pushVersion is required");
        }
        if (request.pushVersion() != 1) {
            return refused(ProtocolError.versionNotSupported("push"));
        }
        request.validate(config.maxMutationsPerPush());
        if (!config.acceptsSchema(request.schemaVersion())) {
            return refused(ProtocolError.versionNotSupported("schema"));
        }
        if (request.mutations().isEmpty()) {
            return null;
        }
        PushLoop.Outcome outcome = Transactions.withRetry("push to " + spaceID, config.transactionAttempts(),
                () -> apply(spaceID, request));
        metrics.pushed(outcome);
        if (outcome.changed()) {
            Log.debugf("Push to space %s from group %s: %d applied, %d failed, %d replayed, %d deferred", spaceID,
                    request.clientGroupID(), outcome.applied().size(), outcome.failures().size(), outcome.skipped(),
                    outcome.deferred());
        }
        return null;
    }

    private ProtocolError refused(ProtocolError error) {
        metrics.pushRefused(error);
        return error;
    }

    /** One attempt, inside its transaction. */
    private PushLoop.Outcome apply(String spaceID, PushRequest request) {
        Space space = SpaceService.lockOrCreate(spaceID, config.autoCreateSpaces());
        Map<String, ClientRecord> clients = clientsOf(spaceID, request);
        Map<String, Long> lastMutationIDs = new HashMap<>();
        clients.forEach((id, client) -> lastMutationIDs.put(id, client.lastMutationId));

        long version = space.version + 1;
        SpaceWrites writes = new SpaceWrites(spaceID, version, mapper, config.maxKeyBytes(),
                config.maxValueSize().asLongValue());
        PushLoop.Outcome outcome = PushLoop.process(request.mutations(), lastMutationIDs,
                mutation -> run(writes, mutation));
        if (!outcome.changed()) {
            return outcome;
        }
        outcome.lastMutationIDs().forEach((id, lastMutationID) -> {
            ClientRecord client = clients.get(id);
            if (client == null) {
                client = new ClientRecord();
                client.id = id;
                client.clientGroupId = request.clientGroupID();
                client.spaceId = spaceID;
                client.persist();
            }
            client.lastMutationId = lastMutationID;
            client.lastModifiedVersion = version;
        });
        space.version = version;
        for (PushLoop.Failure failure : outcome.failures()) {
            Mutation mutation = failure.mutation();
            Log.warnf("Mutation %d (%s) of client %s in space %s failed, its writes were discarded: %s", mutation.id(),
                    mutation.name(), mutation.clientID(), spaceID, failure.reason());
        }
        spaceChanged.fire(new SpaceChanged(spaceID, version, false));
        return outcome;
    }

    /** The push's clients that exist; a client of another group or space rejects the whole push. */
    private static Map<String, ClientRecord> clientsOf(String spaceID, PushRequest request) {
        Set<String> ids = new LinkedHashSet<>();
        request.mutations().forEach(mutation -> ids.add(mutation.clientID()));
        Map<String, ClientRecord> clients = new HashMap<>();
        for (ClientRecord client : ClientRecord.findByIds(ids)) {
            if (!client.clientGroupId.equals(request.clientGroupID()) || !client.spaceId.equals(spaceID)) {
                throw new InvalidRequestException("ClientNotInGroup",
                        "client %s belongs to another client group or space".formatted(client.id));
            }
            clients.put(client.id, client);
        }
        return clients;
    }

    /** Runs one mutation; a fault of the database aborts the push, any other failure fails just this mutation. */
    private String run(SpaceWrites writes, Mutation mutation) {
        Mutator<?> mutator = mutators.find(mutation.name()).orElse(null);
        if (mutator == null) {
            return "no mutator is named '" + mutation.name() + "'";
        }
        writes.beginMutation(mutation.clientID(), mutation.id());
        try {
            invoke(mutator, writes, mutation.args());
            writes.commitMutation();
            return null;
        } catch (RuntimeException e) {
            writes.rollbackMutation();
            if (Faults.isDatabaseFault(e)) {
                throw e;
            }
            return e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        }
    }

    private <A> void invoke(Mutator<A> mutator, SpaceWrites writes, JsonNode args) {
        A parsed;
        try {
            parsed = mapper.treeToValue(args == null ? NullNode.getInstance() : args, mutator.argsType());
        } catch (Exception e) {
            throw new IllegalArgumentException("its args do not fit " + mutator.name() + ": " + describe(e));
        }
        mutator.mutate(writes, parsed);
    }

    /** Jackson's first line, which says what was wrong without a stack trace. */
    private static String describe(Exception e) {
        String message = String.valueOf(e.getMessage());
        int newline = message.indexOf('\n');
        return newline < 0 ? message : message.substring(0, newline);
    }
}
