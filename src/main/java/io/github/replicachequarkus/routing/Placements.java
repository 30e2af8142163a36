package io.github.replicachequarkus.routing;

import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import jakarta.enterprise.context.ApplicationScoped;

import io.github.replicachequarkus.sync.InvalidRequestException;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.logging.Log;
import io.quarkus.narayana.jta.QuarkusTransaction;

/**
 * Decides which machine hosts a space's room: the one it is placed on while that machine is alive; otherwise the
 * live machine that rendezvous hashing picks, recorded atomically, so that machines racing to place one space agree.
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
    String hostApp() {
        return config.mode() == RoutingConfig.Mode.ROUTER ? config.backendApp().orElse(config.app()) : config.app();
    }

    /**
     * The machine that hosts the space's room, placing it first if needed.
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

    private String decide(String spaceID) {
        Instant since = Instant.now().minus(config.heartbeatExpiry());
        Placement placement = Placement.findById(spaceID);
        if (placement != null) {
            Machine owner = Machine.findById(placement.machineId);
            if (owner != null && owner.isLive(since)) {
                return owner.id;
            }
        }
        List<String> live = Machine.live(hostApp(), since).stream().map(machine -> machine.id).toList();
        String chosen = Rendezvous.choose(spaceID, live).orElseThrow(
                () -> new InvalidRequestException(503, "Unavailable", "no machine is alive to host the room"));
        String previous = placement == null ? null : placement.machineId;
        String owner = Placement.placeIfUnchanged(spaceID, chosen, previous);
        if (chosen.equals(owner)) {
            Log.infof("Placed space %s on machine %s%s", spaceID, chosen, previous == null ? "" : " (was on " + previous + ")");
            Counter.builder("replicache.placements").description("Rooms placed on a machine: new, or moved off a dead one")
                    .tag("kind", previous == null ? "new" : "moved").register(metrics).increment();
        }
        return owner;
    }

    /** Where each of the spaces is hosted, with the machine's region, for the spaces that are placed. */
    public Map<String, Machine> hosts(List<String> spaceIDs) {
        if (spaceIDs.isEmpty()) {
            return Map.of();
        }
        return QuarkusTransaction.requiringNew().call(() -> {
            Map<String, Machine> hosts = new HashMap<>();
            for (Placement placement : Placement.of(spaceIDs)) {
                Machine machine = Machine.findById(placement.machineId);
                if (machine != null) {
                    hosts.put(placement.spaceId, machine);
                }
            }
            return hosts;
        });
    }
}
