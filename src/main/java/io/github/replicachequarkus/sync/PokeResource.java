package io.github.replicachequarkus.sync;

import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;

import org.jboss.resteasy.reactive.RestHeader;
import org.jboss.resteasy.reactive.RestQuery;
import org.jboss.resteasy.reactive.RestStreamElementType;

import io.github.replicachequarkus.auth.Access;
import io.github.replicachequarkus.auth.Caller;
import io.github.replicachequarkus.auth.SpaceAccess;
import io.github.replicachequarkus.protocol.SpaceId;
import io.smallrye.mutiny.Multi;

/** Server-Sent Events that tell HTTP clients of a space when to pull; listening needs read access to it. */
@Path("/api/replicache/poke")
public class PokeResource {

    private final PokeHub pokes;
    private final SpaceAccess access;

    PokeResource(PokeHub pokes, SpaceAccess access) {
        this.pokes = pokes;
        this.access = access;
    }

    @GET
    @Produces(MediaType.SERVER_SENT_EVENTS)
    @RestStreamElementType(MediaType.TEXT_PLAIN)
    public Multi<String> listen(@RestQuery String spaceID, @RestHeader("Authorization") String authorization,
            @RestQuery String auth) {
        // A browser's EventSource cannot set headers: the token may come in the query string instead.
        Caller caller = access.require(authorization != null ? authorization : auth, SpaceId.require(spaceID),
                Access.READ);
        return pokes.listen(spaceID, caller.userID());
    }
}
