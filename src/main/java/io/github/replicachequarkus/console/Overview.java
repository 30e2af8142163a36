package io.github.replicachequarkus.console;

import java.time.Instant;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import jakarta.enterprise.context.ApplicationScoped;

import io.github.replicachequarkus.relay.Relay;
import io.github.replicachequarkus.room.RoomActivity;
import io.github.replicachequarkus.room.Rooms;
import io.github.replicachequarkus.routing.MachineLifecycle;
import io.github.replicachequarkus.routing.MachineReports;
import io.github.replicachequarkus.routing.Placements;
import io.github.replicachequarkus.routing.RoutingConfig;
import io.github.replicachequarkus.store.Space;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.runtime.annotations.RegisterForReflection;

/**
 * The deployment at a glance, for the operator console: its machines and its busiest rooms. With routing on, from what
 * every machine reports with its heartbeat ({@link MachineReports}); with routing off, this machine alone, from memory.
 * Blocking: with routing on it reads the database.
 */
@ApplicationScoped
public class Overview {

    /** The machines, and which of them answered ({@code self}). Registered for reflection: the reply's body. */
    @RegisterForReflection
    public record Machines(String self, List<MachineInfo> machines) {
    }

    /** A machine: {@code serving} or {@code draining}; its sockets and rooms as of its last heartbeat. */
    @RegisterForReflection
    public record MachineInfo(String id, String region, String state, long heartbeatAgeMs, int sockets, int rooms) {
    }

    /** A page of the busiest rooms, and how many rooms match in all. */
    @RegisterForReflection
    public record Busiest(long total, List<RoomInfo> rooms) {
    }

    /**
     * A room: its sockets (on every machine), the versions its space advanced by over the last minute, its version,
     * and the machine that hosts it (with its region): the placement's with routing on, this machine's without.
     */
    @RegisterForReflection
    public record RoomInfo(String spaceID, int sockets, long changesPerMinute, long version, String owner,
            String region) {
    }

    private static final Comparator<RoomActivity.Load> BUSIEST_FIRST = Comparator
            .comparingInt(RoomActivity.Load::sockets).reversed()
            .thenComparing(Comparator.comparingLong(RoomActivity.Load::changesPerMinute).reversed())
            .thenComparing(RoomActivity.Load::spaceID);

    private final RoutingConfig routing;
    private final MachineLifecycle lifecycle;
    private final MachineReports reports;
    private final Placements placements;
    private final Rooms rooms;
    private final RoomActivity activity;
    private final Relay relay;

    Overview(RoutingConfig routing, MachineLifecycle lifecycle, MachineReports reports, Placements placements,
            Rooms rooms, RoomActivity activity, Relay relay) {
        this.routing = routing;
        this.lifecycle = lifecycle;
        this.reports = reports;
        this.placements = placements;
        this.rooms = rooms;
        this.activity = activity;
        this.relay = relay;
    }

    /** This machine's id: the routing's, or (routing off) the relay's, new at every start. */
    public String self() {
        return routing.machineID().orElse(relay.machine());
    }

    public Machines machines() {
        if (!lifecycle.routing()) {
            return new Machines(self(), List.of(new MachineInfo(self(), routing.region(), state(lifecycle.draining()), 0,
                    rooms.roomSockets(), rooms.roomCount())));
        }
        Instant now = Instant.now();
        List<MachineInfo> machines = reports.machines(placements.hostApp(), now.minus(routing.heartbeatExpiry()))
                .stream()
                .map(machine -> new MachineInfo(machine.id(), machine.region(), state(machine.draining()),
                        Math.max(0, now.toEpochMilli() - machine.heartbeatAt().toEpochMilli()), machine.sockets(),
                        machine.rooms()))
                .toList();
        return new Machines(self(), machines);
    }

    private static String state(boolean draining) {
        return draining ? "draining" : "serving";
    }

    /** The rooms whose space id starts with {@code prefix}, busiest first, from {@code offset}, at most {@code limit}. */
    public Busiest busiest(String prefix, int offset, int limit) {
        if (lifecycle.routing()) {
            MachineReports.RoomPage page = reports.busiest(placements.hostApp(),
                    Instant.now().minus(routing.heartbeatExpiry()), prefix, offset, limit);
            return new Busiest(page.total(), page.rooms().stream().map(room -> new RoomInfo(room.spaceID(),
                    room.sockets(), room.changesPerMinute(), room.version(), room.owner(), room.region())).toList());
        }
        List<RoomActivity.Load> matching = activity.rooms().stream().filter(room -> room.spaceID().startsWith(prefix))
                .sorted(BUSIEST_FIRST).toList();
        List<RoomActivity.Load> page = matching.subList(Math.min(offset, matching.size()),
                (int) Math.min((long) offset + limit, matching.size()));
        Map<String, Long> versions = versions(page.stream().map(RoomActivity.Load::spaceID).toList());
        return new Busiest(matching.size(), page.stream().map(room -> new RoomInfo(room.spaceID(), room.sockets(),
                room.changesPerMinute(), versions.getOrDefault(room.spaceID(), 0L), self(), routing.region())).toList());
    }

    /** The spaces' versions; a space without a row (a room whose space has no data yet) is absent. */
    private static Map<String, Long> versions(List<String> spaceIDs) {
        if (spaceIDs.isEmpty()) {
            return Map.of();
        }
        return QuarkusTransaction.requiringNew().call(() -> {
            Map<String, Long> versions = new HashMap<>();
            Space.<Space> list("id in ?1", spaceIDs).forEach(space -> versions.put(space.id, space.version));
            return versions;
        });
    }
}
