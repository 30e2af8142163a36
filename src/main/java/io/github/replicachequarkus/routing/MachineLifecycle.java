package io.github.replicachequarkus.routing;

import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

import io.github.replicachequarkus.room.Rooms;
import io.quarkus.logging.Log;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.runtime.ShutdownDelayInitiatedEvent;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;

/**
 * A machine's life in the deployment: it registers at start and heartbeats; on SIGTERM it drains: it stops taking
 * rooms, gives up the ones it has, and closes their sockets with 4010 so that their clients reconnect and are sent to
 * the rooms' new machines. Outside Fly (no machine id) it only closes the sockets (1001), so that the shutdown does
 * not wait on them.
 */
@ApplicationScoped
public class MachineLifecycle {

    private final RoutingConfig config;
    private final Rooms rooms;
    private ScheduledExecutorService heartbeats;
    private volatile boolean draining;

    MachineLifecycle(RoutingConfig config, Rooms rooms) {
        this.config = config;
        this.rooms = rooms;
    }

    /** Whether routing is on: this machine knows its id. */
    public boolean routing() {
        return config.machineId().isPresent();
    }

    public boolean draining() {
        return draining;
    }

    void start(@Observes StartupEvent startup) {
        if (!routing() || config.mode() == RoutingConfig.Mode.ROUTER) {
            return;
        }
        if (config.machineId().get().contains(".")) {
            throw new IllegalStateException("A machine id must not contain '.': " + config.machineId().get());
        }
        heartbeat();
        Log.infof("Machine %s of app %s in region %s takes rooms", config.machineId().get(), config.app(), config.region());
        heartbeats = Executors.newSingleThreadScheduledExecutor(Thread.ofPlatform().daemon().name("replicache-heartbeat")
                .factory());
        long interval = config.heartbeatInterval().toMillis();
        heartbeats.scheduleWithFixedDelay(this::heartbeatQuietly, interval, interval, TimeUnit.MILLISECONDS);
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
        if (heartbeats == null) {
            // One machine alone: nowhere to send its rooms, but its clients reconnect once it is back.
            int closed = rooms.closeAll(1001, "the server is shutting down");
            Log.infof("Shutting down: closed %d socket(s)", closed);
            return;
        }
        heartbeats.shutdownNow();
        try {
            long released = QuarkusTransaction.requiringNew().call(() -> {
                Machine.update("draining = true where id = ?1", config.machineId().get());
                return Placement.release(config.machineId().get());
            });
            int closed = rooms.closeAll(4010, "the room moved to another machine");
            Log.infof("Draining: gave up %d room(s), closed %d socket(s) with 4010", released, closed);
        } catch (RuntimeException e) {
            Log.warnf("Draining failed (the rooms move when the heartbeat expires): %s", e.getMessage());
        }
    }

    private void heartbeat() {
        QuarkusTransaction.requiringNew().run(() -> Machine.heartbeat(config.machineId().get(), config.app(),
                config.region()));
    }

    private void heartbeatQuietly() {
        if (draining) {
            return;
        }
        try {
            heartbeat();
        } catch (RuntimeException e) {
            Log.warnf("Heartbeat failed: %s", e.getMessage());
        }
    }
}
