package io.github.replicachequarkus.gc;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.persistence.EntityManager;

import io.github.replicachequarkus.room.Rooms;
import io.github.replicachequarkus.store.ClientGroups;
import io.github.replicachequarkus.store.Faults;
import io.github.replicachequarkus.store.GcConfig;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.logging.Log;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.scheduler.Scheduled;

/**
 * Keeps a long-running deployment from growing without bound. Every {@code replicache.gc.interval}, each machine
 * records the client groups that hold sockets on it as active, and then one machine (a PostgreSQL advisory lock picks
 * it) collects the client groups idle longer than {@code replicache.gc.client-group-max-age} and purges the tombstones
 * that every live client group has already pulled past, and the server API's idempotency keys past their retention.
 */
@ApplicationScoped
public class Collector {

    /** The advisory lock that lets one machine of a deployment collect at a time ("rqgc"). */
    private static final long LOCK = 0x72716763L;

    private static final String COLLECT = """
            WITH idle AS (
                SELECT space_id, id FROM client_group
                WHERE deleted_at IS NULL AND last_active_at < now() - make_interval(secs => ?1)
                ORDER BY last_active_at LIMIT ?2 FOR UPDATE SKIP LOCKED
            ), collected AS (
                UPDATE client_group g SET deleted_at = now(), cookie = NULL FROM idle
                WHERE g.space_id = idle.space_id AND g.id = idle.id
                RETURNING g.space_id, g.id
            ), removed AS (
                DELETE FROM client c USING collected
                WHERE c.space_id = collected.space_id AND c.client_group_id = collected.id
                RETURNING c.id
            )
            SELECT (SELECT count(*) FROM collected), (SELECT count(*) FROM removed)""";

    /**
     * A space's horizon is the lowest cookie among its live client groups (an unknown cookie counts as 0), or its
     * version when it has none: no live group will pull from below it, so its tombstones up to there can go.
     */
    private static final String PURGE = """
            WITH horizon AS (
                SELECT s.id AS space_id, LEAST(s.version, COALESCE(
                    (SELECT min(COALESCE(g.cookie, 0)) FROM client_group g
                     WHERE g.space_id = s.id AND g.deleted_at IS NULL), s.version)) AS version
                FROM space s WHERE s.id IN (SELECT DISTINCT space_id FROM entry WHERE deleted)
            ), purged AS (
                DELETE FROM entry e USING horizon h
                WHERE e.space_id = h.space_id AND e.deleted AND e.version <= h.version
                RETURNING e.space_id, e.version
            ), marked AS (
                UPDATE space s SET purged_version = GREATEST(s.purged_version, p.version)
                FROM (SELECT space_id, max(version) AS version FROM purged GROUP BY space_id) p
                WHERE s.id = p.space_id
                RETURNING s.id
            )
            SELECT (SELECT count(*) FROM purged), (SELECT count(*) FROM marked)""";

    /** The idempotency keys of the server API past their retention, a batch at a time. */
    private static final String EXPIRE_IDEMPOTENCY_KEYS = """
            DELETE FROM idempotency_key WHERE (space_id, key) IN (
                SELECT space_id, key FROM idempotency_key WHERE created_at < now() - make_interval(secs => ?1)
                ORDER BY created_at LIMIT ?2)""";

    /** Connected groups recorded per transaction. */
    private static final int RECORD_BATCH = 500;

    private final EntityManager entityManager;
    private final Rooms rooms;
    private final ClientGroups clientGroups;
    private final GcConfig config;
    private final Counter groupsCollected;
    private final Counter clientsDeleted;
    private final Counter tombstonesPurged;

    Collector(EntityManager entityManager, Rooms rooms, ClientGroups clientGroups, GcConfig config,
            MeterRegistry metrics) {
        this.entityManager = entityManager;
        this.rooms = rooms;
        this.clientGroups = clientGroups;
        this.config = config;
        this.groupsCollected = Counter.builder("replicache.gc.client.groups")
                .description("Client groups collected for being idle too long").register(metrics);
        this.clientsDeleted = Counter.builder("replicache.gc.clients")
                .description("Client rows deleted with their collected groups").register(metrics);
        this.tombstonesPurged = Counter.builder("replicache.gc.tombstones")
                .description("Tombstones purged once every live client group had pulled past them").register(metrics);
    }

    /** What one run did. */
    public record Run(int connectedGroups, long groupsCollected, long clientsDeleted, long tombstonesPurged,
            long spacesPurged, long idempotencyKeysExpired, boolean collected) {
    }

    @Scheduled(identity = "replicache-gc", every = "${replicache.gc.interval}", delayed = "5m", concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    void scheduled() {
        try {
            Run run = run();
            if (run.groupsCollected() > 0 || run.tombstonesPurged() > 0 || run.idempotencyKeysExpired() > 0) {
                Log.infof("GC: collected %d idle client group(s) (%d client(s)), purged %d tombstone(s) in %d space(s),"
                        + " expired %d idempotency key(s)", run.groupsCollected(), run.clientsDeleted(),
                        run.tombstonesPurged(), run.spacesPurged(), run.idempotencyKeysExpired());
            }
        } catch (RuntimeException e) {
            if (Faults.isUnavailable(e)) {
                Log.warnf("GC skipped, the database is unavailable: %s", e.getMessage());
            } else {
                Log.error("GC failed; it runs again at its next interval", e);
            }
        }
    }

    /** One run: records this machine's connected groups, then collects and purges unless another machine does. */
    public Run run() {
        int connected = recordConnected();
        long groups = 0;
        long clients = 0;
        while (true) {
            long[] batch = QuarkusTransaction.requiringNew().call(() -> locked() ? counts(COLLECT, true) : null);
            if (batch == null) {
                return new Run(connected, groups, clients, 0, 0, 0, false); // another machine is collecting
            }
            groups += batch[0];
            clients += batch[1];
            if (batch[0] < config.batchSize()) {
                break;
            }
        }
        long[] purge = QuarkusTransaction.requiringNew().call(() -> locked() ? counts(PURGE, false) : new long[2]);
        groupsCollected.increment(groups);
        clientsDeleted.increment(clients);
        tombstonesPurged.increment(purge[0]);
        return new Run(connected, groups, clients, purge[0], purge[1], expireIdempotencyKeys(), true);
    }

    /** Deletes the server API's idempotency keys older than their retention; returns how many. */
    private long expireIdempotencyKeys() {
        long expired = 0;
        while (true) {
            int batch = QuarkusTransaction.requiringNew().call(() -> entityManager
                    .createNativeQuery(EXPIRE_IDEMPOTENCY_KEYS)
                    .setParameter(1, config.idempotencyKeyMaxAge().toMillis() / 1000.0)
                    .setParameter(2, config.batchSize())
                    .executeUpdate());
            expired += batch;
            if (batch < config.batchSize()) {
                return expired;
            }
        }
    }

    /** The client groups with sockets here are active, whether or not they push or pull. */
    private int recordConnected() {
        List<Map.Entry<ClientGroups.Group, Long>> groups = new ArrayList<>(rooms.connectedGroups().entrySet());
        for (int from = 0; from < groups.size(); from += RECORD_BATCH) {
            List<Map.Entry<ClientGroups.Group, Long>> batch = groups.subList(from,
                    Math.min(groups.size(), from + RECORD_BATCH));
            QuarkusTransaction.requiringNew().run(() -> clientGroups.connected(batch));
        }
        return groups.size();
    }

    /** Takes the collector's lock for this transaction, unless another machine holds it. */
    private boolean locked() {
        return (Boolean) entityManager.createNativeQuery("SELECT pg_try_advisory_xact_lock(?1)").setParameter(1, LOCK)
                .getSingleResult();
    }

    private long[] counts(String sql, boolean collect) {
        var query = entityManager.createNativeQuery(sql);
        if (collect) {
            query.setParameter(1, config.clientGroupMaxAge().toMillis() / 1000.0).setParameter(2, config.batchSize());
        }
        Object[] row = (Object[]) query.getSingleResult();
        return new long[] { ((Number) row[0]).longValue(), ((Number) row[1]).longValue() };
    }
}
