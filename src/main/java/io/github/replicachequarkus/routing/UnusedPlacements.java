package io.github.replicachequarkus.routing;

import java.util.Set;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.persistence.EntityManager;

import io.github.replicachequarkus.room.Rooms;
import io.github.replicachequarkus.store.Faults;
import io.quarkus.logging.Log;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.scheduler.Scheduled;

/**
 * Removes the placements of spaces that do not exist and whose rooms are not open: any reader can place rooms for
 * space ids that have no data (a prefix right covers any number of them), and nothing else ever removes those rows.
 * Every machine that hosts rooms runs it every {@code replicache.gc.interval}: it removes its own placements whose room
 * has no socket here, and those of machines that are dead or draining (no room of theirs is open), once they are
 * {@code replicache.routing.unused-placement-age} old and the space still has no row. Only this machine knows which of
 * its rooms are open, which is why each machine does its own rather than one machine under the collector's lock.
 * <p>
 * A room placed again after its placement was removed just lands where rendezvous hashing (or its first authorised
 * hello) puts it; a room whose placement is removed in the instant a hello joins it stays open, and the relay still
 * pokes it, until its sockets reconnect.
 */
@ApplicationScoped
public class UnusedPlacements {

    /** Placements removed per transaction (a run goes on until none is left). */
    static final int BATCH = 1000;

    /**
     * ?1 the age in seconds, ?2 the heartbeat expiry in seconds, ?3 this machine, ?4 the spaces with open rooms here
     * (comma-separated: space ids never contain a comma), ?5 the batch size.
     */
    private static final String REMOVE = """
            WITH unused AS (
                SELECT p.space_id FROM placement p JOIN machine m ON m.id = p.machine_id
                WHERE p.placed_at < now() - make_interval(secs => ?1)
                  AND NOT EXISTS (SELECT 1 FROM space s WHERE s.id = p.space_id AND s.deleted_at IS NULL)
                  AND (m.draining OR m.heartbeat_at < now() - make_interval(secs => ?2)
                       OR (m.id = ?3 AND p.space_id <> ALL (string_to_array(?4, ','))))
                LIMIT ?5 FOR UPDATE OF p SKIP LOCKED
            )
            DELETE FROM placement p USING unused WHERE p.space_id = unused.space_id""";

    private final RoutingConfig config;
    private final Rooms rooms;
    private final EntityManager entityManager;

    UnusedPlacements(RoutingConfig config, Rooms rooms, EntityManager entityManager) {
        this.config = config;
        this.rooms = rooms;
        this.entityManager = entityManager;
    }

    @Scheduled(identity = "replicache-unused-placements", every = "${replicache.gc.interval}", delayed = "5m", concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    void scheduled() {
        try {
            long removed = run();
            if (removed > 0) {
                Log.infof("Routing: removed %d placement(s) of spaces with no data and no open room", removed);
            }
        } catch (RuntimeException e) {
            if (Faults.isUnavailable(e)) {
                Log.warnf("Removing unused placements skipped, the database is unavailable: %s", e.getMessage());
            } else {
                Log.error("Removing unused placements failed; it runs again at its next interval", e);
            }
        }
    }

    /** One run; how many placements it removed. Nothing without routing, or on a router (it hosts no rooms). */
    public long run() {
        return run(BATCH);
    }

    long run(int batchSize) {
        if (config.machineID().isEmpty() || config.mode() == RoutingConfig.Mode.ROUTER) {
            return 0;
        }
        long removed = 0;
        while (true) {
            Set<String> open = rooms.sockets().keySet(); // again for each batch: rooms open meanwhile are kept
            int batch = QuarkusTransaction.requiringNew().call(() -> entityManager.createNativeQuery(REMOVE)
                    .setParameter(1, config.unusedPlacementAge().toMillis() / 1000.0)
                    .setParameter(2, config.heartbeatExpiry().toMillis() / 1000.0)
                    .setParameter(3, config.machineID().get())
                    .setParameter(4, String.join(",", open))
                    .setParameter(5, batchSize)
                    .executeUpdate());
            removed += batch;
            if (batch < batchSize) {
                return removed;
            }
        }
    }
}
