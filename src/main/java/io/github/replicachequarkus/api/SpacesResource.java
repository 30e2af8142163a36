package io.github.replicachequarkus.api;

import java.util.List;

import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;

import org.jboss.resteasy.reactive.RestHeader;
import org.jboss.resteasy.reactive.RestPath;
import org.jboss.resteasy.reactive.RestQuery;

import com.fasterxml.jackson.annotation.JsonRawValue;

import io.github.replicachequarkus.auth.SpaceAccess;
import io.github.replicachequarkus.protocol.InvalidRequestException;
import io.github.replicachequarkus.protocol.SpaceId;
import io.github.replicachequarkus.store.SpaceReads;
import io.quarkus.runtime.annotations.RegisterForReflection;

/**
 * The server API's reads, for the app's backend (a server credential; see {@link SpaceAccess#requireServer}): the
 * spaces, a space's entries, and its changes since a version, a page at a time. Each page is one snapshot, with the
 * version it reflects.
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

    SpacesResource(SpaceAccess access, SpaceReads reads) {
        this.access = access;
        this.reads = reads;
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
