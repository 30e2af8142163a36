package io.github.replicachequarkus.api;

import java.util.List;

import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

import org.jboss.resteasy.reactive.RestHeader;
import org.jboss.resteasy.reactive.RestPath;
import org.jboss.resteasy.reactive.RestQuery;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

import com.fasterxml.jackson.annotation.JsonRawValue;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.github.replicachequarkus.auth.Access;
import io.github.replicachequarkus.auth.Caller;
import io.github.replicachequarkus.auth.SpaceAccess;
import io.github.replicachequarkus.protocol.InvalidRequestException;
import io.github.replicachequarkus.protocol.SpaceId;
import io.github.replicachequarkus.store.SpaceReads;
import io.github.replicachequarkus.sync.MutationFailedException;
import io.github.replicachequarkus.sync.SpaceWriter;
import io.github.replicachequarkus.sync.SyncConfig;
import io.quarkus.runtime.annotations.RegisterForReflection;
import io.smallrye.common.annotation.Blocking;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.infrastructure.Infrastructure;

/**
 * The server API, for the app's backend (a server credential; see {@link SpaceAccess#requireServer}): the spaces, a
 * space's entries and its changes since a version, a page at a time (each page one snapshot, with the version it
 * reflects), writes through the registered mutators ({@link SpaceWriter}), and deleting a space.
 */
@Path("/api/spaces")
@Produces(MediaType.APPLICATION_JSON)
public class SpacesResource {

    static final int DEFAULT_LIMIT = 100;
    static final int MAX_LIMIT = 1000;

    /** A page of spaces; {@code next} is the {@code after} of the next page, null after the last. */
    @RegisterForReflection
    public record Spaces(List<SpaceReads.SpaceRow> spaces, String next) {
    }

    /** A page of entries at {@code version}; {@code next} is the {@code after} of the next page, null after the last. */
    @RegisterForReflection
    public record Entries(long version, List<SpaceReads.EntryRow> entries, String next) {
    }

    /** One entry at {@code version}. */
    @RegisterForReflection
    public record EntryAt(long version, String key, @JsonRawValue String value) {
    }

    /**
     * A page of the change feed: the keys last written after {@code from} and up to {@code to}, each with its latest
     * state. {@code to} is the {@code since} of the next page; {@code more} says whether changes after it exist already.
     * A mirror that applied every page up to one without more is the space at that page's {@code to}.
     */
    @RegisterForReflection
    public record Changes(long from, long to, List<SpaceReads.Change> changes, boolean more) {
    }

    private final SpaceAccess access;
    private final SpaceReads reads;
    private final SpaceWriter writer;
    private final SyncConfig config;
    private final ObjectMapper mapper;

    SpacesResource(SpaceAccess access, SpaceReads reads, SpaceWriter writer, SyncConfig config, ObjectMapper mapper) {
        this.access = access;
        this.reads = reads;
        this.writer = writer;
        this.config = config;
        this.mapper = mapper;
    }

    @GET
    public Spaces spaces(@RestQuery String prefix, @RestQuery String after, @RestQuery String limit,
            @RestHeader("Authorization") String authorization) {
        access.requireServer(authorization);
        SpaceReads.SpacePage page = reads.spaces(prefix == null ? "" : prefix, after, limit(limit));
        List<SpaceReads.SpaceRow> spaces = page.spaces();
        return new Spaces(spaces, page.more() ? spaces.get(spaces.size() - 1).spaceID() : null);
    }

    @GET
    @Path("{spaceID}/entries")
    public Entries entries(@RestPath String spaceID, @RestQuery String prefix, @RestQuery String after,
            @RestQuery String limit, @RestHeader("Authorization") String authorization) {
        access.requireServer(authorization);
        SpaceId.require(spaceID);
        SpaceReads.EntryPage page = reads.entries(spaceID, prefix == null ? "" : prefix, after, limit(limit))
                .orElseThrow(() -> noSpace(spaceID));
        List<SpaceReads.EntryRow> entries = page.entries();
        return new Entries(page.version(), entries, page.more() ? entries.get(entries.size() - 1).key() : null);
    }

    @GET
    @Path("{spaceID}/entries/{key: .+}")
    public EntryAt entry(@RestPath String spaceID, @RestPath String key,
            @RestHeader("Authorization") String authorization) {
        access.requireServer(authorization);
        SpaceId.require(spaceID);
        SpaceReads.EntryAt entry = reads.entry(spaceID, key).orElseThrow(() -> noSpace(spaceID));
        if (entry.value() == null) {
            throw new InvalidRequestException(404, "EntryNotFound", "space " + spaceID + " holds nothing at this key");
        }
        return new EntryAt(entry.version(), key, entry.value());
    }

    /**
     * Runs registered mutators on the space as the server, in one transaction with the pushes of its lane: all or
     * nothing unless {@code "atomic": false}. With an {@code Idempotency-Key}, a retry of the same request gets the
     * first reply (marked {@code Idempotent-Replayed: true}) and applies nothing again.
     */
    @POST
    @Path("{spaceID}/mutate")
    @Consumes(MediaType.APPLICATION_JSON)
    public Uni<Response> mutate(@RestPath String spaceID, @RestHeader("Authorization") String authorization,
            @RestHeader("Idempotency-Key") String idempotencyKey, JsonNode body) {
        Caller caller = access.requireServer(authorization);
        SpaceId.require(spaceID);
        SpaceAccess.check(caller, spaceID, Access.WRITE);
        MutateRequest request = MutateRequest.read(body, config.maxMutationsPerPush());
        String requestHash = idempotencyKey == null ? null : MutateRequest.hash(mapper, body);
        return Uni.createFrom()
                .completionStage(() -> writer.applyAsync(spaceID, request.calls(), request.atomic(), idempotencyKey,
                        requestHash))
                .runSubscriptionOn(Infrastructure.getDefaultWorkerPool())
                .map(applied -> {
                    Response.ResponseBuilder reply = Response.ok(applied.reply());
                    return applied.replayed() ? reply.header("Idempotent-Replayed", "true").build() : reply.build();
                });
    }

    /**
     * Deletes the space: 204; its sockets are closed with 4404, and its pushes and pulls get 404 until a server write
     * brings it back. 404 when there is no such space.
     */
    @DELETE
    @Path("{spaceID}")
    @Blocking
    public Response delete(@RestPath String spaceID, @RestHeader("Authorization") String authorization) {
        Caller caller = access.requireServer(authorization);
        SpaceId.require(spaceID);
        SpaceAccess.check(caller, spaceID, Access.WRITE);
        if (!writer.delete(spaceID)) {
            throw noSpace(spaceID);
        }
        return Response.noContent().build();
    }

    /** An atomic write whose mutation failed: 422, with the position of the mutation in the request. */
    @ServerExceptionMapper
    public Response mutationFailed(MutationFailedException e) {
        return Response.status(422).type(MediaType.APPLICATION_JSON)
                .entity(new MutationFailed("MutationFailed", e.index(), e.getMessage())).build();
    }

    /** The body of a 422 for an atomic write whose mutation failed. */
    @RegisterForReflection
    public record MutationFailed(String error, int index, String message) {
    }

    /**
     * The changes after {@code since}: a compacted log, each changed key once with its latest state, in (version, key)
     * order. A {@code since} this space's history cannot continue from (its deletes were purged, or it is ahead of the
     * space) is refused with a status that tells the caller to start over from 0 with an empty mirror.
     */
    @GET
    @Path("{spaceID}/changes")
    public Changes changes(@RestPath String spaceID, @RestQuery String since, @RestQuery String limit,
            @RestHeader("Authorization") String authorization) {
        access.requireServer(authorization);
        SpaceId.require(spaceID);
        long from = since(since);
        SpaceReads.ChangesRead read = reads.changes(spaceID, from, limit(limit)).orElseThrow(() -> noSpace(spaceID));
        return switch (read) {
            case SpaceReads.ChangePage page -> new Changes(from, page.to(), page.changes(), page.more());
            case SpaceReads.ChangesPurged purged -> throw new InvalidRequestException(410, "ChangesPurged",
                    "the deletes after version " + from + " were purged (up to version " + purged.purgedVersion()
                            + "): start over with an empty mirror from since=0");
            case SpaceReads.SinceAhead ahead -> throw new InvalidRequestException(409, "SinceAhead",
                    "since " + from + " is ahead of the space's version " + ahead.version()
                            + ", so the mirror is not of this space's history: start over with an empty mirror from since=0");
        };
    }

    private static InvalidRequestException noSpace(String spaceID) {
        return new InvalidRequestException(404, "SpaceNotFound", "no space " + spaceID);
    }

    /** A page size: absent gives the default; otherwise 1 to {@value #MAX_LIMIT}. */
    static int limit(String limit) {
        if (limit == null || limit.isEmpty()) {
            return DEFAULT_LIMIT;
        }
        try {
            int count = Integer.parseInt(limit);
            if (count >= 1 && count <= MAX_LIMIT) {
                return count;
            }
        } catch (NumberFormatException notANumber) {
            // said below
        }
        throw new InvalidRequestException("InvalidLimit", "limit must be a whole number from 1 to " + MAX_LIMIT);
    }

    /** The version the changes come after: absent gives 0 (the whole space); otherwise a whole number, 0 or more. */
    static long since(String since) {
        if (since == null || since.isEmpty()) {
            return 0;
        }
        try {
            long version = Long.parseLong(since);
            if (version >= 0) {
                return version;
            }
        } catch (NumberFormatException notANumber) {
            // said below
        }
        throw new InvalidRequestException("InvalidSince", "since must be a whole number, 0 or more");
    }
}
