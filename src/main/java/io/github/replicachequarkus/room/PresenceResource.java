package io.github.replicachequarkus.room;

import java.util.List;

import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;

import org.jboss.resteasy.reactive.RestHeader;
import org.jboss.resteasy.reactive.RestQuery;

import com.fasterxml.jackson.databind.JsonNode;

import io.github.replicachequarkus.auth.Access;
import io.github.replicachequarkus.auth.SpaceAccess;
import io.github.replicachequarkus.protocol.SpaceId;
import io.quarkus.runtime.annotations.RegisterForReflection;

/** Who is in a space's room on this machine right now, for dashboards and the app's backend; needs read access. */
@Path("/api/replicache/presence")
public class PresenceResource {

    /** The reply: everyone present, with their state. */
    @RegisterForReflection
    public record Present(List<Client> present) {
    }

    /** One client present. */
    @RegisterForReflection
    public record Client(String clientID, String userID, JsonNode state) {
    }

    private final Rooms rooms;
    private final SpaceAccess access;

    PresenceResource(Rooms rooms, SpaceAccess access) {
        this.rooms = rooms;
        this.access = access;
    }

    @GET
    @Produces(MediaType.APPLICATION_JSON)
    public Present present(@RestQuery String spaceID, @RestHeader("Authorization") String authorization) {
        access.require(authorization, SpaceId.require(spaceID), Access.READ);
        return new Present(rooms.presentIn(spaceID).stream()
                .map(entry -> new Client(entry.clientID(), entry.userID(), entry.state())).toList());
    }
}
