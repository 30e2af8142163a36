package io.github.replicachequarkus.routing;

import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

import io.github.replicachequarkus.StartOrder;
import io.github.replicachequarkus.room.RoomActivity;
import io.github.replicachequarkus.room.Rooms;
import io.quarkus.logging.Log;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.runtime.ShutdownDelayInitiatedEvent;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.quarkus.runtime.configuration.ConfigurationException;
import io.quarkus.scheduler.Scheduled;

/**
 * A machine's life in the deployment: it registers at start and heartbeats; on SIGTERM it drains: it stops taking
 * rooms, gives up the ones it has, and closes their sockets with 4010 so that their clients reconnect and are sent to
 * the rooms' new machines. Outside Fly (no machine id) it only closes the sockets (1001), so that the shutdown does
 * not wait on them. The heartbeat runs on Quarkus's scheduler every {@code replicache.routing.heartbeat-interval}.
 */
@ApplicationScoped
public class MachineLifecycle {

    private final RoutingConfig config;
    private final Rooms rooms;
    private final RoomActivity activity;
    private final MachineReports reports;
    /** Whether this machine registered to host rooms (routing on, not a router): it heartbeats until it drains. */
    private volatile boolean hosting;
    private volatile boolean draining;

    MachineLifecycle(RoutingConfig config, Rooms rooms, RoomActivity activity, MachineReports reports) {
        this.config = config;
        this.rooms = rooms;
        this.activity = activity;
        this.reports = reports;
    }

    /** Whether routing is on: this machine knows its id. */
    public boolean routing() {
        return config.machineID().isPresent();
    }

    public boolean draining() {
        return draining;
    }

    /** Whether this machine hosts rooms: routing is on, and it is not a router only. */
    private boolean takesRooms() {
        return routing() && config.mode() != RoutingConfig.Mode.ROUTER;
    }

    /** A machine that takes rooms under an id that cannot name it in a replay target does not start. */
    void check(@Observes @Priority(StartOrder.CHECKS) StartupEvent startup) {
        if (takesRooms() && config.machineID().get().contains(".")) {
            throw new ConfigurationException("replicache.routing.machine-id must not contain '.': "
                    + config.machineID().get());
        }
    }

    void start(@Observes StartupEvent startup) {
        if (!takesRooms()) {
            return;
        }
        heartbeat();
        hosting = true;
        Log.infof("Machine %s of app %s in region %s takes rooms", config.machineID().get(), config.app(), config.region());
    }

    /**
     * Drains at the very start of the shutdown (the pre-shutdown delay), while the server still answers: the
     * graceful shutdown that follows would otherwise wait on the open sockets and then drop them without a word.
     */
    void drain(@Observes ShutdownDelayInitiatedEvent shutdown) {
        drainOnce();
    }

    /** Without a pre-shutdown delay, as early as the shutdown allows. */
    void drain(@Observes @Priority(1) ShutdownEvent shutdown) {
        drainOnce();
    }

    private synchronized void drainOnce() {
        if (draining) {
            return;
        }
        draining = true;
        if (!hosting) {
            // One machine alone: nowhere to send its rooms, but its clients reconnect once it is back.
            int closed = rooms.closeAllShuttingDown();
            Log.infof("Shutting down: closed %d socket(s)", closed);
            return;
        }
        try {
            long released = QuarkusTransaction.requiringNew().call(() -> {
                Machine.update("draining = true where id = ?1", config.machineID().get());
                return Placement.release(config.machineID().get());
            });
            int closed = rooms.closeAllMoved();
            Log.infof("Draining: gave up %d room(s), closed %d socket(s) with 4010", released, closed);
        } catch (RuntimeException e) {
            Log.warnf("Draining failed (the rooms move when the heartbeat expires): %s", e.getMessage());
        }
    }

    /** Tells the database this machine is alive, then what it holds: its socket and room counts, and its rooms' load. */
    private void heartbeat() {
        String id = config.machineID().get();
        QuarkusTransaction.requiringNew().run(() -> Machine.heartbeat(id, config.app(), config.region()));
        reports.report(id, rooms.roomSockets(), rooms.roomCount(), activity.rooms());
    }

    /** Tells the deployment this machine is alive, until it drains; a failure is logged and tried at the next one. */
    @Scheduled(identity = "replicache-heartbeat", every = "${replicache.routing.heartbeat-interval}", delayed = "${replicache.routing.heartbeat-interval}", concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    void heartbeatQuietly() {
        if (!hosting || draining) {
            return;
        }
        try {
            heartbeat();
        } catch (RuntimeException e) {
            Log.warnf("Heartbeat failed: %s", e.getMessage());
        }
    }
}
