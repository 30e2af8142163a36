package io.github.replicachequarkus.sync;

import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;

import org.jboss.resteasy.reactive.RestQuery;
import org.jboss.resteasy.reactive.RestStreamElementType;

import io.smallrye.mutiny.Multi;

/** Server-Sent Events that tell HTTP clients of a space when to pull. */
@Path("/api/replicache/poke")
public class PokeResource {

    private final PokeHub pokes;

    PokeResource(PokeHub pokes) {
        this.pokes = pokes;
    }

    @GET
    @Produces(MediaType.SERVER_SENT_EVENTS)
    @RestStreamElementType(MediaType.TEXT_PLAIN)
    public Multi<String> listen(@RestQuery String spaceID) {
        return pokes.listen(SpaceId.require(spaceID));
    }
}
