package io.github.replicachequarkus.routing;

import java.util.List;
import java.util.Map;

import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;

import org.jboss.resteasy.reactive.RestHeader;

import io.github.replicachequarkus.auth.Access;
import io.github.replicachequarkus.auth.Caller;
import io.github.replicachequarkus.auth.SpaceAccess;
import io.github.replicachequarkus.room.Rooms;
import io.github.replicachequarkus.store.Space;
import io.quarkus.runtime.annotations.RegisterForReflection;

/**
 * The rooms (spaces) there are, newest first: their version, the machine that hosts each (and its region) when it is
 * placed, and how many sockets it has on this machine. Only the rooms the caller may read are listed.
 */
@Path("/api/rooms")
@Produces(MediaType.APPLICATION_JSON)
public class RoomsResource {

    private static final int LIMIT = 200;

    private final Rooms rooms;
    private final Placements placements;
    private final SpaceAccess access;

    RoomsResource(Rooms rooms, Placements placements, SpaceAccess access) {
        this.rooms = rooms;
        this.placements = placements;
        this.access = access;
    }

    @RegisterForReflection
    public record RoomInfo(String spaceID, long version, String owner, String region, int sockets) {
    }

    @RegisterForReflection
    public record RoomList(List<RoomInfo> rooms) {
    }

    @GET
    public RoomList list(@RestHeader("Authorization") String auth) {
        Caller caller = access.authenticate(auth);
        Map<String, Integer> sockets = rooms.sockets();
        List<Space> spaces = Space.newest(LIMIT).stream()
                .filter(space -> caller.accessTo(space.id).allows(Access.READ)).toList();
        Map<String, Machine> hosts = placements.hosts(spaces.stream().map(space -> space.id).toList());
        return new RoomList(spaces.stream().map(space -> {
            Machine host = hosts.get(space.id);
            return new RoomInfo(space.id, space.version, host == null ? null : host.id, host == null ? null : host.region,
                    sockets.getOrDefault(space.id, 0));
        }).toList());
    }
}
