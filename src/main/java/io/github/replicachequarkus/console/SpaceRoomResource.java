package io.github.replicachequarkus.console;

import java.time.Instant;
import java.util.List;
import java.util.Map;

import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

import org.jboss.resteasy.reactive.RestHeader;
import org.jboss.resteasy.reactive.RestPath;
import org.jboss.resteasy.reactive.RestQuery;

import com.fasterxml.jackson.databind.JsonNode;

import io.github.replicachequarkus.auth.SpaceAccess;
import io.github.replicachequarkus.protocol.InvalidRequestException;
import io.github.replicachequarkus.protocol.SpaceId;
import io.github.replicachequarkus.room.Rooms;
import io.github.replicachequarkus.routing.RoomRouting;
import io.github.replicachequarkus.store.SpaceClients;
import io.quarkus.runtime.annotations.RegisterForReflection;
import io.smallrye.common.annotation.Blocking;

/**
 * A space's room and clients, for the operator console: who is present, its client groups, and closing its sockets.
 * Server API: a server credential opens it.
 */
@Path("/api/spaces/{spaceID}")
@Produces(MediaType.APPLICATION_JSON)
public class SpaceRoomResource {

    static final int DEFAULT_LIMIT = 100;
    static final int MAX_LIMIT = 1000;

    /** Everyone present in the room, with their state. */
    @RegisterForReflection
    public record Present(List<Client> present) {
    }

    /** A client present; {@code userID} is empty in open mode. */
    @RegisterForReflection
    public record Client(String clientID, String userID, JsonNode state) {
    }

    /** A page of client groups; {@code next} is the {@code after} of the next page, null after the last. */
    @RegisterForReflection
    public record ClientGroups(List<Group> clientGroups, String next) {
    }

    /** A client group, its sockets open on this machine, and its clients. */
    @RegisterForReflection
    public record Group(String clientGroupID, String userID, Instant lastActiveAt, int sockets,
            List<GroupClient> clients) {
    }

    /** A client of a group. */
    @RegisterForReflection
    public record GroupClient(String clientID, long lastMutationID, long lastModifiedVersion) {
    }

    /** How many sockets closed on this machine. */
    @RegisterForReflection
    public record Closed(int closed) {
    }

    private final SpaceAccess access;
    private final Rooms rooms;
    private final RoomRouting routing;
    private final SpaceClients clients;

    SpaceRoomResource(SpaceAccess access, Rooms rooms, RoomRouting routing, SpaceClients clients) {
        this.access = access;
        this.rooms = rooms;
        this.routing = routing;
        this.clients = clients;
    }

    /**
     * Who is present in the room. With routing on, a room lives on one machine: a request that reaches another is
     * answered with {@code fly-replay} naming the room's machine, as a socket's upgrade is, and Fly replays it there.
     */
    @GET
    @Path("presence")
    @Blocking
    public Response presence(@RestPath String spaceID, @RestHeader("Authorization") String authorization,
            @RestHeader("fly-replay-src") String replaySource) {
        access.requireServer(authorization);
        SpaceId.require(spaceID);
        return routing.replayFor(spaceID, replaySource)
                .map(replay -> Response.status(RoomRouting.REPLAY_STATUS).header("fly-replay", replay).build())
                .orElseGet(() -> Response.ok(new Present(rooms.present(spaceID).stream()
                        .map(client -> new Client(client.clientID(), client.userID(), client.state())).toList()))
                        .build());
    }

    /** The space's client groups in id order, a page at a time, with their clients and their sockets here. */
    @GET
    @Path("clients")
    @Blocking
    public ClientGroups clientGroups(@RestPath String spaceID, @RestQuery String after, @RestQuery String limit,
            @RestHeader("Authorization") String authorization) {
        access.requireServer(authorization);
        SpaceId.require(spaceID);
        SpaceClients.GroupPage page = clients.groups(spaceID, after, Paging.limit(limit, DEFAULT_LIMIT, MAX_LIMIT))
                .orElseThrow(() -> noSpace(spaceID));
        Map<String, Integer> sockets = rooms.socketsByGroup(spaceID);
        List<Group> groups = page.groups().stream().map(group -> new Group(group.clientGroupID(), group.userID(),
                group.lastActiveAt(), sockets.getOrDefault(group.clientGroupID(), 0), group.clients().stream()
                        .map(client -> new GroupClient(client.clientID(), client.lastMutationID(),
                                client.lastModifiedVersion()))
                        .toList()))
                .toList();
        return new ClientGroups(groups, page.more() ? groups.get(groups.size() - 1).clientGroupID() : null);
    }

    /**
     * Closes every socket of the room, on every machine, with 4010: their clients reconnect at once and say hello
     * again. Replies with how many closed on this machine. 404 when the space does not exist and has no room here.
     */
    @POST
    @Path("sockets/close")
    @Blocking
    public Closed closeSockets(@RestPath String spaceID, @RestHeader("Authorization") String authorization) {
        access.requireServer(authorization);
        SpaceId.require(spaceID);
        if (!rooms.hosts(spaceID) && !clients.spaceExists(spaceID)) {
            throw noSpace(spaceID);
        }
        return new Closed(rooms.closeRoom(spaceID));
    }

    private static InvalidRequestException noSpace(String spaceID) {
        return new InvalidRequestException(404, "SpaceNotFound", "no space " + spaceID);
    }
}
