package io.github.replicachequarkus.routing;

import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import jakarta.enterprise.context.ApplicationScoped;

import io.github.replicachequarkus.LogSafe;
import io.github.replicachequarkus.protocol.InvalidRequestException;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.logging.Log;
import io.quarkus.narayana.jta.QuarkusTransaction;

/**
 * Decides which machine hosts a space's room: the one it is placed on while that machine is alive; otherwise the
 * live machine that rendezvous hashing picks, recorded atomically, so that machines racing to place one space agree.
 * A room is placed only for a caller who may read its space: at an upgrade with credentials ({@link #ownerOf}), or at
 * the first authorised hello of a socket ({@link #claim}); an upgrade without credentials only looks ({@link #locate}).
 */
@ApplicationScoped
public class Placements {

    private final RoutingConfig config;
    private final MeterRegistry metrics;

    Placements(RoutingConfig config, MeterRegistry metrics) {
        this.config = config;
        this.metrics = metrics;
    }

    /** The app whose machines host rooms: this one, or the backend app in router mode. */
    public String hostApp() {
        return config.mode() == RoutingConfig.Mode.ROUTER ? config.backendApp().orElse(config.app()) : config.app();
    }

    /**
     * The machine that hosts the space's room, placing it first if needed. Only for a caller who may read the space:
     * a placement is a row that stays.
     *
     * @throws InvalidRequestException (503) when no machine is alive to host it
     */
    public String ownerOf(String spaceID) {
        for (int attempt = 0; attempt < 3; attempt++) {
            String owner = QuarkusTransaction.requiringNew().call(() -> decide(spaceID));
            if (owner != null) {
                return owner;
            }
        }
        throw new InvalidRequestException(503, "Unavailable", "could not place space " + spaceID + "; try again");
    }

    /**
     * The machine that hosts the space's room, or the one that would be chosen to host it now; places nothing. For a
     * socket whose caller is not known yet: its room is placed only when its hello is authorised ({@link #claim}).
     *
     * @throws InvalidRequestException (503) when no machine is alive to host it
     */
    public String locate(String spaceID) {
        return QuarkusTransaction.requiringNew().call(() -> {
            Instant since = Instant.now().minus(config.heartbeatExpiry());
            Placement placement = Placement.findById(spaceID);
            String owner = placement == null ? null : liveOwner(placement, since);
            return owner != null ? owner : choose(spaceID, since);
        });
    }

    /**
     * Whether the space's room is hosted here, placing it here when it is not placed or its machine is gone: a socket
     * whose hello was just authorised is here, and the room follows it. When another live machine hosts the room:
     * false, unless {@code sentHere} (a replay whose signed state names this machine, which is trusted rather than
     * looked up again); the placement is then left as it is.
     *
     * @throws InvalidRequestException (503) when the placement kept changing under it
     */
    boolean claim(String spaceID, String me, boolean sentHere) {
        for (int attempt = 0; attempt < 3; attempt++) {
            String owner = QuarkusTransaction.requiringNew().call(() -> claimOnce(spaceID, me));
            if (owner != null) {
                return sentHere || owner.equals(me);
            }
        }
        throw new InvalidRequestException(503, "Unavailable", "could not place space " + spaceID + "; try again");
    }

    /** The room's owner after the claim; null to try again. */
    private String claimOnce(String spaceID, String me) {
        Instant since = Instant.now().minus(config.heartbeatExpiry());
        Placement placement = Placement.findById(spaceID);
        if (placement != null) {
            if (placement.machineID.equals(me)) {
                return me;
            }
            String owner = liveOwner(placement, since);
            if (owner != null) {
                return owner;
            }
        }
        String previous = placement == null ? null : placement.machineID;
        String owner = Placement.placeIfUnchanged(spaceID, me, previous);
        if (me.equals(owner)) {
            placed(spaceID, me, previous);
        }
        return owner;
    }

    private String decide(String spaceID) {
        Instant since = Instant.now().minus(config.heartbeatExpiry());
        Placement placement = Placement.findById(spaceID);
        if (placement != null) {
            String owner = liveOwner(placement, since);
            if (owner != null) {
                return owner;
            }
        }
        String chosen = choose(spaceID, since);
        String previous = placement == null ? null : placement.machineID;
        String owner = Placement.placeIfUnchanged(spaceID, chosen, previous);
        if (chosen.equals(owner)) {
            placed(spaceID, chosen, previous);
        }
        return owner;
    }

    /** The placement's machine when it is alive and not draining; null otherwise. */
    private static String liveOwner(Placement placement, Instant heartbeatSince) {
        Machine owner = Machine.findById(placement.machineID);
        return owner != null && owner.isLive(heartbeatSince) ? owner.id : null;
    }

    /** The live machine rendezvous hashing picks for the space. */
    private String choose(String spaceID, Instant heartbeatSince) {
        List<String> live = Machine.live(hostApp(), heartbeatSince).stream().map(machine -> machine.id).toList();
        return Rendezvous.choose(spaceID, live).orElseThrow(
                () -> new InvalidRequestException(503, "Unavailable", "no machine is alive to host the room"));
    }

    /**
     * Counts the placement, and logs it: a room moved off a dead or draining machine at info, a new one at debug (any
     * reader can place new rooms, as many as their rights cover: the metric counts them).
     */
    private void placed(String spaceID, String machine, String previous) {
        if (previous == null) {
            Log.debugf("Placed space %s on machine %s", LogSafe.of(spaceID), machine);
        } else {
            Log.infof("Placed space %s on machine %s (was on %s)", LogSafe.of(spaceID), machine, previous);
        }
        Counter.builder("replicache.placements").description("Rooms placed on a machine: new, or moved off a dead one")
                .tag("kind", previous == null ? "new" : "moved").register(metrics).increment();
    }

    /** Where each of the spaces is hosted, with the machine's region, for the spaces that are placed. */
    public Map<String, Machine> hosts(List<String> spaceIDs) {
        if (spaceIDs.isEmpty()) {
            return Map.of();
        }
        return QuarkusTransaction.requiringNew().call(() -> {
            Map<String, Machine> hosts = new HashMap<>();
            for (Placement placement : Placement.of(spaceIDs)) {
                Machine machine = Machine.findById(placement.machineID);
                if (machine != null) {
                    hosts.put(placement.spaceID, machine);
                }
            }
            return hosts;
        });
    }
}
