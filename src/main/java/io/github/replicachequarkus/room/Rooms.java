package io.github.replicachequarkus.room;

import java.util.HashMap;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.event.TransactionPhase;

import org.eclipse.microprofile.context.ManagedExecutor;

import com.fasterxml.jackson.databind.ObjectMapper;

import io.github.replicachequarkus.gc.ClientGroups;
import io.github.replicachequarkus.sync.ChangesMissed;
import io.github.replicachequarkus.sync.PullService;
import io.github.replicachequarkus.sync.SpaceChanged;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.quarkus.websockets.next.CloseReason;
import io.quarkus.websockets.next.WebSocketConnection;

/**
 * The rooms of this machine, by space. A room exists while it has sockets. Every committed change of a space (here,
 * or on another machine through the relay) schedules a broadcast pass of its room.
 */
@ApplicationScoped
public class Rooms {

    private final Map<String, Room> rooms = new ConcurrentHashMap<>();
    private final PullService pulls;
    private final ManagedExecutor executor;
    private final ObjectMapper mapper;
    private final RoomConfig config;
    private final Timer pokeLatency;

    Rooms(PullService pulls, ManagedExecutor executor, ObjectMapper mapper, RoomConfig config, MeterRegistry metrics) {
        this.pulls = pulls;
        this.executor = executor;
        this.mapper = mapper;
        this.config = config;
        this.pokeLatency = Timer.builder("replicache.poke.latency")
                .description("From this machine hearing of a change to the poke that carries it written to a socket")
                .publishPercentiles(0.5, 0.99).register(metrics);
        Gauge.builder("replicache.rooms", rooms, Map::size).description("Rooms with sockets on this machine")
                .register(metrics);
        Gauge.builder("replicache.sockets", this, Rooms::socketCount).description("Open room sockets on this machine")
                .register(metrics);
    }

    private int socketCount() {
        return rooms.values().stream().mapToInt(Room::size).sum();
    }

    /**
     * Adds the socket to the space's room, creating the room if needed.
     *
     * @throws RoomFullException when the room, or this machine, is at its limit
     */
    Member join(String spaceID, WebSocketConnection connection) {
        Member[] joined = new Member[1];
        rooms.compute(spaceID, (id, room) -> {
            if (room == null && rooms.size() >= config.maxRooms()) {
                throw new RoomFullException("this machine holds as many rooms as it may; try again later");
            }
            if (room != null && room.size() >= config.maxSocketsPerRoom()) {
                throw new RoomFullException("the room is full; try again later");
            }
            Room target = room == null ? new Room(id, pulls::changesSince, executor, pokeLatency) : room;
            joined[0] = new Member(connection, target, mapper,
                    new RateLimit(config.maxMessagesPerSecond(), config.messageBurst()));
            target.add(joined[0]);
            return target;
        });
        return joined[0];
    }

    void leave(String spaceID, Member member) {
        member.cancelExpiry();
        rooms.computeIfPresent(spaceID, (id, room) -> {
            room.remove(member);
            return room.isEmpty() ? null : room;
        });
    }

    /** The number of sockets in each room of this machine. */
    public Map<String, Integer> sockets() {
        Map<String, Integer> sockets = new TreeMap<>();
        rooms.forEach((spaceID, room) -> sockets.put(spaceID, room.size()));
        return sockets;
    }

    /** Each client group with a socket on this machine, with the lowest cookie among its sockets. */
    public Map<ClientGroups.Group, Long> connectedGroups() {
        Map<ClientGroups.Group, Long> groups = new HashMap<>();
        rooms.forEach((spaceID, room) -> room.connectedGroups(
                (clientGroupID, cookie) -> groups.merge(new ClientGroups.Group(spaceID, clientGroupID), cookie, Math::min)));
        return groups;
    }

    /** Closes every socket of this machine with the code; returns how many. */
    public int closeAll(int code, String reason) {
        CloseReason closeReason = new CloseReason(code, reason);
        int closed = 0;
        for (Room room : rooms.values()) {
            closed += room.closeAll(closeReason);
        }
        return closed;
    }

    void spaceChanged(@Observes(during = TransactionPhase.AFTER_SUCCESS) SpaceChanged change) {
        Room room = rooms.get(change.spaceID());
        if (room != null) {
            room.changed(change.version());
        }
    }

    void changesMissed(@Observes ChangesMissed missed) {
        rooms.values().forEach(Room::resync);
    }
}
