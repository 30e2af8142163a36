package io.github.replicachequarkus.room;

import java.util.List;

import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;

import io.github.replicachequarkus.store.Space;
import io.quarkus.runtime.annotations.RegisterForReflection;

/** The rooms (spaces) there are, newest first, with how many sockets each has on this machine. */
@Path("/api/rooms")
@Produces(MediaType.APPLICATION_JSON)
public class RoomsResource {

    private static final int LIMIT = 200;

    private final Rooms rooms;

    RoomsResource(Rooms rooms) {
        this.rooms = rooms;
    }

    @RegisterForReflection
    public record RoomInfo(String spaceID, long version, int sockets) {
    }

    @RegisterForReflection
    public record RoomList(List<RoomInfo> rooms) {
    }

    @GET
    public RoomList list() {
        var sockets = rooms.sockets();
        return new RoomList(Space.newest(LIMIT).stream()
                .map(space -> new RoomInfo(space.id, space.version, sockets.getOrDefault(space.id, 0))).toList());
    }
}
