package io.github.replicachequarkus.console;

import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;

import org.jboss.resteasy.reactive.RestHeader;
import org.jboss.resteasy.reactive.RestQuery;

import io.github.replicachequarkus.auth.SpaceAccess;
import io.smallrye.common.annotation.Blocking;

/**
 * The busiest rooms of the deployment, a page at a time, for the operator console. A path of its own: under
 * {@code /api/rooms}, which the rooms list holds, a longer path is what routes a request here. Server API: a server
 * credential opens it.
 */
@Path("/api/rooms/busiest")
@Produces(MediaType.APPLICATION_JSON)
public class BusiestRoomsResource {

    static final int DEFAULT_LIMIT = 20;
    static final int MAX_LIMIT = 100;

    private final Overview overview;
    private final SpaceAccess access;

    BusiestRoomsResource(Overview overview, SpaceAccess access) {
        this.overview = overview;
        this.access = access;
    }

    /** The rooms whose space id starts with {@code prefix}, by sockets, then changes per minute, then space id. */
    @GET
    @Blocking
    public Overview.Busiest busiest(@RestQuery String prefix, @RestQuery String offset, @RestQuery String limit,
            @RestHeader("Authorization") String authorization) {
        access.requireServer(authorization);
        return overview.busiest(prefix == null ? "" : prefix, Paging.offset(offset),
                Paging.limit(limit, DEFAULT_LIMIT, MAX_LIMIT));
    }
}
