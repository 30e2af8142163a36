package io.github.replicachequarkus.webhook;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import java.util.UUID;
import java.util.function.Function;

import javax.sql.DataSource;

/**
 * One endpoint's rows (see {@code V10__webhooks.sql}), in plain JDBC on connections of the pool. Every method is one
 * short transaction and gives its connection back before it returns: nothing here is ever open across an HTTP call.
 * Several machines run the same statements on the same rows at once; row locks taken with {@code SKIP LOCKED}, the
 * cursor's {@code pending} and the deliveries' lease decide which of them does what, so that each delivery is sent by
 * one machine at a time and a space's deliveries go in version order.
 */
final class Deliveries {

    /** Most versions one delivery spans: a space's backlog goes out as several deliveries rather than one huge one. */
    static final int MAX_BATCH_VERSIONS = 1000;

    /**
     * A page of the spaces that have events, after a space id, found one index step each (a skip scan of the outbox's
     * primary key) rather than by reading every event: a backlog of many versions costs as much as one. For each: is a
     * delivery in flight, is the oldest change not taken into one yet older than the batch window, and how old it is.
     */
    private static final String SWEEP = """
            WITH RECURSIVE spaces (id) AS (
                (SELECT space_id FROM webhook_event WHERE space_id > ? ORDER BY space_id LIMIT 1)
                UNION ALL
                SELECT (SELECT e.space_id FROM webhook_event e WHERE e.space_id > spaces.id ORDER BY e.space_id LIMIT 1)
                FROM spaces WHERE spaces.id IS NOT NULL
            ), page AS (
                SELECT id FROM spaces WHERE id IS NOT NULL LIMIT ?
            )
            SELECT page.id, c.pending IS NOT NULL, first.created_at <= now() - make_interval(secs => ?),
                EXTRACT(EPOCH FROM now() - first.created_at)
            FROM page
            LEFT JOIN webhook_cursor c ON c.endpoint = ? AND c.space_id = page.id
            LEFT JOIN LATERAL (
                SELECT e.created_at FROM webhook_event e
                WHERE e.space_id = page.id AND e.version > COALESCE(c.version, 0)
                ORDER BY e.version LIMIT 1
            ) first ON true
            ORDER BY page.id""";

    /**
     * A cursor for each space the endpoint has none for yet, just below the space's oldest event: its first delivery
     * starts there. In id order, so that two machines inserting the same rows wait for each other rather than deadlock.
     */
    private static final String ENSURE_CURSORS = """
            INSERT INTO webhook_cursor (endpoint, space_id, version)
            SELECT ?, s.id, first.version - 1
            FROM unnest(?::text[]) AS s (id)
            CROSS JOIN LATERAL (SELECT version FROM webhook_event e WHERE e.space_id = s.id ORDER BY version LIMIT 1) first
            WHERE NOT EXISTS (SELECT 1 FROM webhook_cursor c WHERE c.endpoint = ? AND c.space_id = s.id)
            ORDER BY s.id
            ON CONFLICT (endpoint, space_id) DO NOTHING""";

    /**
     * The spaces, among the candidates, whose next delivery may be composed now, locked until it is: none in flight,
     * and a change after the cursor older than the batch window. A space another machine is composing is skipped; one
     * it composed meanwhile has {@code pending} set when its row is locked and read again, and is left alone. A
     * delivery in flight whose cursor is gone (its space was deleted, and made again since) is waited for too.
     */
    private static final String LOCK = """
            SELECT c.space_id, c.version FROM webhook_cursor c
            WHERE c.endpoint = ? AND c.space_id = ANY (?) AND c.pending IS NULL
                AND (SELECT e.created_at FROM webhook_event e WHERE e.space_id = c.space_id AND e.version > c.version
                     ORDER BY e.version LIMIT 1) <= now() - make_interval(secs => ?)
                AND NOT EXISTS (SELECT 1 FROM webhook_delivery d
                                WHERE d.endpoint = c.endpoint AND d.space_id = c.space_id AND d.dead_at IS NULL)
            ORDER BY c.space_id LIMIT ?
            FOR UPDATE SKIP LOCKED""";

    /** A space's changes after a version, over its next versions, one row per key written (values as their JSON). */
    private static final String CHANGES = """
            SELECT e.version, e.created_at::text, c.change->>'key', c.change->>'op' = 'del', c.change->'value'
            FROM (SELECT version, created_at, changes FROM webhook_event WHERE space_id = ? AND version > ?
                  ORDER BY version LIMIT ?) e
            CROSS JOIN LATERAL json_array_elements(e.changes) AS c (change)
            ORDER BY e.version""";

    /**
     * The deliveries composed, claimed at once by their composer for their first attempt, and each space's cursor moved
     * past them with the delivery in flight.
     */
    private static final String COMPOSED = """
            WITH composed AS (
                INSERT INTO webhook_delivery (id, endpoint, space_id, from_version, to_version, body, oldest_at,
                    attempts, next_attempt_at, leased_by)
                SELECT d.id, ?, d.space_id, d.from_version, d.to_version, d.body, d.oldest_at, 1,
                    now() + make_interval(secs => ?), ?
                FROM unnest(?::uuid[], ?::text[], ?::bigint[], ?::bigint[], ?::text[], ?::timestamptz[])
                    AS d (id, space_id, from_version, to_version, body, oldest_at)
                RETURNING id, space_id, to_version
            )
            UPDATE webhook_cursor c SET version = composed.to_version, pending = composed.id
            FROM composed WHERE c.endpoint = ? AND c.space_id = composed.space_id""";

    /**
     * Claims deliveries due (a retry's time has come, or the lease of a machine that died ran out), oldest first: each
     * one's next attempt moves past the lease, which no other machine claims it before, and its attempts count up.
     */
    private static final String CLAIM = """
            UPDATE webhook_delivery d
            SET attempts = d.attempts + 1, next_attempt_at = now() + make_interval(secs => ?), leased_by = ?
            FROM (
                SELECT id FROM webhook_delivery
                WHERE endpoint = ? AND dead_at IS NULL AND next_attempt_at <= now()
                ORDER BY next_attempt_at LIMIT ?
                FOR UPDATE SKIP LOCKED
            ) due
            WHERE d.id = due.id
            RETURNING d.id, d.space_id, d.from_version, d.to_version, d.body, d.attempts""";

    /**
     * A delivery taken: it goes, and its space's next may be composed. Nothing happens when the attempt is no longer the
     * delivery's latest (its lease ran out and another machine claimed it again).
     */
    private static final String DELIVERED = """
            WITH delivered AS (
                DELETE FROM webhook_delivery WHERE id = ? AND attempts = ? AND dead_at IS NULL
                RETURNING endpoint, space_id, id
            ), released AS (
                UPDATE webhook_cursor c SET pending = NULL FROM delivered
                WHERE c.endpoint = delivered.endpoint AND c.space_id = delivered.space_id AND c.pending = delivered.id
            )
            SELECT count(*) FROM delivered""";

    /**
     * An attempt failed: the delivery is due again after the backoff, unless that is past its horizon, counted from its
     * composition; then it is dead, kept, and its space's next may be composed. Nothing happens when the attempt is no
     * longer the delivery's latest.
     */
    private static final String FAILED = """
            WITH failed AS (
                UPDATE webhook_delivery SET leased_by = NULL, last_error = ?,
                    next_attempt_at = now() + make_interval(secs => ?),
                    dead_at = CASE WHEN now() + make_interval(secs => ?) > created_at + make_interval(secs => ?)
                        THEN now() END
                WHERE id = ? AND attempts = ? AND dead_at IS NULL
                RETURNING endpoint, space_id, id, dead_at IS NOT NULL AS dead
            ), released AS (
                UPDATE webhook_cursor c SET pending = NULL FROM failed
                WHERE failed.dead AND c.endpoint = failed.endpoint AND c.space_id = failed.space_id
                    AND c.pending = failed.id
            )
            SELECT dead FROM failed""";

    /** How old the oldest change in a delivery not yet made is, in seconds (null: none), and how many are dead. */
    private static final String STATUS = """
            SELECT EXTRACT(EPOCH FROM now() - min(oldest_at) FILTER (WHERE dead_at IS NULL)),
                count(*) FILTER (WHERE dead_at IS NOT NULL)
            FROM webhook_delivery WHERE endpoint = ?""";

    private static final String PURGE_DEAD = """
            DELETE FROM webhook_delivery WHERE endpoint = ? AND dead_at < now() - make_interval(secs => ?)""";

    /**
     * The events of these spaces that every configured endpoint has taken into a delivery (a space an endpoint has no
     * cursor for yet counts as taken up to version 0): nothing needs them any more.
     */
    private static final String DELETE_TAKEN = """
            WITH taken AS (
                SELECT s.id, min(COALESCE(c.version, 0)) AS version
                FROM unnest(?::text[]) AS s (id) CROSS JOIN unnest(?::text[]) AS ep (name)
                LEFT JOIN webhook_cursor c ON c.endpoint = ep.name AND c.space_id = s.id
                GROUP BY s.id
            )
            DELETE FROM webhook_event e USING taken WHERE e.space_id = taken.id AND e.version <= taken.version""";

    private final DataSource dataSource;
    private final String endpoint;
    /** Who claims: this machine, in {@code leased_by}, for an operator looking at the rows. */
    private final String machine;

    Deliveries(DataSource dataSource, String endpoint, String machine) {
        this.dataSource = dataSource;
        this.endpoint = endpoint;
        this.machine = machine;
    }

    /** A delivery claimed for an attempt: what to send, and which attempt this is. */
    record Claimed(UUID id, String spaceID, long fromVersion, long toVersion, String body, int attempt) {
    }

    /**
     * A space with events, as the endpoint sees it.
     *
     * @param inFlight whether a delivery of the space is in flight (so its next waits)
     * @param due whether its oldest change not taken into a delivery is older than the batch window
     * @param age that change's age in seconds; 0 when the endpoint took in all the space's events
     */
    record Space(String id, boolean inFlight, boolean due, double age) {
    }

    /** A page of the spaces with events after {@code after} (by id, {@code ""} from the start), at most limit. */
    List<Space> sweep(String after, int limit, Duration window) throws SQLException {
        List<Space> spaces = new ArrayList<>();
        try (Connection connection = dataSource.getConnection();
                PreparedStatement sweep = connection.prepareStatement(SWEEP)) {
            sweep.setString(1, after);
            sweep.setInt(2, limit);
            sweep.setDouble(3, seconds(window));
            sweep.setString(4, endpoint);
            try (ResultSet rows = sweep.executeQuery()) {
                while (rows.next()) {
                    spaces.add(new Space(rows.getString(1), rows.getBoolean(2), rows.getBoolean(3), rows.getDouble(4)));
                }
            }
        }
        return spaces;
    }

    /**
     * Composes the next delivery of each candidate space that may have one now, at most limit, and claims them for
     * their first attempt: each one's body is written before it is ever sent.
     *
     * @param lease how long the first attempt may take before another machine may claim the delivery again
     * @param includeValues whether the bodies carry the keys' values
     * @return the deliveries composed, to be sent
     */
    List<Claimed> compose(Iterable<String> candidates, int limit, Duration window, Duration lease,
            boolean includeValues) throws SQLException {
        String[] spaceIDs = new TreeSet<String>(toList(candidates)).toArray(String[]::new);
        if (spaceIDs.length == 0 || limit <= 0) {
            return List.of();
        }
        try (Connection connection = dataSource.getConnection()) {
            try (PreparedStatement ensure = connection.prepareStatement(ENSURE_CURSORS)) {
                ensure.setString(1, endpoint);
                ensure.setArray(2, connection.createArrayOf("text", spaceIDs));
                ensure.setString(3, endpoint);
                ensure.executeUpdate();
            }
            connection.setAutoCommit(false);
            try {
                List<Claimed> composed = composeLocked(connection, spaceIDs, limit, window, lease, includeValues);
                connection.commit();
                return composed;
            } catch (SQLException | RuntimeException e) {
                connection.rollback();
                throw e;
            } finally {
                connection.setAutoCommit(true);
            }
        }
    }

    private List<Claimed> composeLocked(Connection connection, String[] spaceIDs, int limit, Duration window,
            Duration lease, boolean includeValues) throws SQLException {
        List<String> locked = new ArrayList<>();
        List<Long> cursors = new ArrayList<>();
        try (PreparedStatement lock = connection.prepareStatement(LOCK)) {
            lock.setString(1, endpoint);
            lock.setArray(2, connection.createArrayOf("text", spaceIDs));
            lock.setDouble(3, seconds(window));
            lock.setInt(4, limit);
            try (ResultSet rows = lock.executeQuery()) {
                while (rows.next()) {
                    locked.add(rows.getString(1));
                    cursors.add(rows.getLong(2));
                }
            }
        }
        List<Claimed> composed = new ArrayList<>();
        List<String> oldest = new ArrayList<>();
        try (PreparedStatement changes = connection.prepareStatement(CHANGES)) {
            for (int i = 0; i < locked.size(); i++) {
                changes.setString(1, locked.get(i));
                changes.setLong(2, cursors.get(i));
                changes.setInt(3, MAX_BATCH_VERSIONS);
                List<Batch.Change> read = new ArrayList<>();
                String first = null;
                try (ResultSet rows = changes.executeQuery()) {
                    while (rows.next()) {
                        first = first == null ? rows.getString(2) : first;
                        read.add(new Batch.Change(rows.getLong(1), rows.getString(3), rows.getBoolean(4),
                                rows.getString(5)));
                    }
                }
                if (read.isEmpty()) {
                    continue; // its events went meanwhile (an event holds at least one change)
                }
                Batch batch = Batch.of(locked.get(i), cursors.get(i), read);
                composed.add(new Claimed(UUID.randomUUID(), batch.spaceID(), batch.fromVersion(), batch.toVersion(),
                        batch.body(includeValues), 1));
                oldest.add(first);
            }
        }
        if (composed.isEmpty()) {
            return composed;
        }
        try (PreparedStatement insert = connection.prepareStatement(COMPOSED)) {
            insert.setString(1, endpoint);
            insert.setDouble(2, seconds(lease));
            insert.setString(3, machine);
            insert.setArray(4, connection.createArrayOf("text", column(composed, claimed -> claimed.id().toString())));
            insert.setArray(5, connection.createArrayOf("text", column(composed, Claimed::spaceID)));
            insert.setArray(6, connection.createArrayOf("bigint", column(composed, Claimed::fromVersion)));
            insert.setArray(7, connection.createArrayOf("bigint", column(composed, Claimed::toVersion)));
            insert.setArray(8, connection.createArrayOf("text", column(composed, Claimed::body)));
            insert.setArray(9, connection.createArrayOf("text", oldest.toArray()));
            insert.setString(10, endpoint);
            insert.executeUpdate();
        }
        return composed;
    }

    /** Claims at most limit deliveries that are due, for an attempt each. */
    List<Claimed> claim(int limit, Duration lease) throws SQLException {
        if (limit <= 0) {
            return List.of();
        }
        List<Claimed> claimed = new ArrayList<>();
        try (Connection connection = dataSource.getConnection();
                PreparedStatement claim = connection.prepareStatement(CLAIM)) {
            claim.setDouble(1, seconds(lease));
            claim.setString(2, machine);
            claim.setString(3, endpoint);
            claim.setInt(4, limit);
            try (ResultSet rows = claim.executeQuery()) {
                while (rows.next()) {
                    claimed.add(new Claimed(rows.getObject(1, UUID.class), rows.getString(2), rows.getLong(3),
                            rows.getLong(4), rows.getString(5), rows.getInt(6)));
                }
            }
        }
        return claimed;
    }

    /** Records the attempt's success: {@code false} when it is no longer the delivery's latest attempt. */
    boolean delivered(Claimed delivery) throws SQLException {
        try (Connection connection = dataSource.getConnection();
                PreparedStatement delivered = connection.prepareStatement(DELIVERED)) {
            delivered.setObject(1, delivery.id());
            delivered.setInt(2, delivery.attempt());
            try (ResultSet rows = delivered.executeQuery()) {
                rows.next();
                return rows.getLong(1) > 0;
            }
        }
    }

    /** What became of a failed attempt. */
    enum Failure {
        /** It will be tried again. */
        RETRY,
        /** Past its horizon: it is dead, and its space's next delivery may go. */
        DEAD,
        /** The attempt was no longer the delivery's latest: another machine claimed it, and decides. */
        SUPERSEDED
    }

    /**
     * Records the attempt's failure.
     *
     * @param backoff how long until the next attempt
     * @param horizon how long after its composition the delivery may still be tried
     */
    Failure failed(Claimed delivery, String error, Duration backoff, Duration horizon) throws SQLException {
        try (Connection connection = dataSource.getConnection();
                PreparedStatement failed = connection.prepareStatement(FAILED)) {
            failed.setString(1, error);
            failed.setDouble(2, seconds(backoff));
            failed.setDouble(3, seconds(backoff));
            failed.setDouble(4, seconds(horizon));
            failed.setObject(5, delivery.id());
            failed.setInt(6, delivery.attempt());
            try (ResultSet rows = failed.executeQuery()) {
                if (!rows.next()) {
                    return Failure.SUPERSEDED;
                }
                return rows.getBoolean(1) ? Failure.DEAD : Failure.RETRY;
            }
        }
    }

    /**
     * The endpoint's deliveries as a whole.
     *
     * @param lag how old the oldest change in a delivery not yet made is, in seconds (0: none)
     * @param dead how many dead deliveries are kept
     */
    record Status(double lag, long dead) {
    }

    Status status() throws SQLException {
        try (Connection connection = dataSource.getConnection();
                PreparedStatement status = connection.prepareStatement(STATUS)) {
            status.setString(1, endpoint);
            try (ResultSet rows = status.executeQuery()) {
                rows.next();
                return new Status(Math.max(0, rows.getDouble(1)), rows.getLong(2));
            }
        }
    }

    /** Deletes the dead deliveries older than the retention; returns how many. */
    int purgeDead(Duration retention) throws SQLException {
        try (Connection connection = dataSource.getConnection();
                PreparedStatement purge = connection.prepareStatement(PURGE_DEAD)) {
            purge.setString(1, endpoint);
            purge.setDouble(2, seconds(retention));
            return purge.executeUpdate();
        }
    }

    /** Deletes the events of these spaces that all the endpoints have taken into deliveries; returns how many. */
    int deleteTaken(List<String> spaceIDs, List<String> endpoints) throws SQLException {
        if (spaceIDs.isEmpty()) {
            return 0;
        }
        try (Connection connection = dataSource.getConnection();
                PreparedStatement delete = connection.prepareStatement(DELETE_TAKEN)) {
            delete.setArray(1, connection.createArrayOf("text", spaceIDs.toArray()));
            delete.setArray(2, connection.createArrayOf("text", endpoints.toArray()));
            return delete.executeUpdate();
        }
    }

    private static double seconds(Duration duration) {
        return duration.toNanos() / 1e9;
    }

    private static <T> Object[] column(List<T> rows, Function<T, Object> value) {
        return rows.stream().map(value).toArray();
    }

    private static List<String> toList(Iterable<String> values) {
        List<String> list = new ArrayList<>();
        values.forEach(list::add);
        return list;
    }
}
