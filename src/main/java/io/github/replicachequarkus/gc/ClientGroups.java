package io.github.replicachequarkus.gc;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.Collection;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import jakarta.enterprise.context.ApplicationScoped;

import io.agroal.api.AgroalDataSource;
import io.github.replicachequarkus.store.StorageException;

/**
 * When each client group was last active and from which cookie it last pulled, recorded in the caller's transaction
 * (on its connection); and whether the collector deleted it (then it must start afresh: {@code ClientStateNotFound}).
 * <p>
 * Recording every push and pull would add a write to each. A group recorded less than a quarter of the maximum idle
 * age ago (and at most an hour ago) is not recorded again: the collector cannot take it in that time, so the database
 * need not be asked. Only a push that creates clients always asks, so that a collected group never gets new clients.
 */
@ApplicationScoped
public class ClientGroups {

    /** Most groups remembered as recently recorded; beyond it the memory starts over (and they are recorded again). */
    private static final int MAX_REMEMBERED = 100_000;

    /** The group (space, id) is active now and holds at least the cookie; nothing changes once it was collected. */
    private static final String ACTIVE = """
            INSERT INTO client_group (space_id, id, cookie) VALUES (?, ?, ?)
            ON CONFLICT (space_id, id) DO UPDATE SET last_active_at = now(), cookie = excluded.cookie
            WHERE client_group.deleted_at IS NULL""";

    /** {@link #ACTIVE}, with a row back unless the group was collected. */
    private static final String PULLED = ACTIVE + " RETURNING 1";

    /**
     * A reader's pull: the group's row is touched if it exists and never created; a row back unless the group was
     * collected. Parameters: space, id, cookie.
     */
    private static final String READ = """
            WITH p (space_id, id, cookie) AS (VALUES (?, ?, ?::bigint)
            ), found AS (
                SELECT g.deleted_at FROM client_group g JOIN p ON g.space_id = p.space_id AND g.id = p.id
            ), touched AS (
                UPDATE client_group g SET last_active_at = now(), cookie = p.cookie FROM p
                WHERE g.space_id = p.space_id AND g.id = p.id AND g.deleted_at IS NULL
            )
            SELECT 1 WHERE NOT EXISTS (SELECT 1 FROM found WHERE deleted_at IS NOT NULL)""";

    /**
     * The groups with sockets are active and hold at least the cookie. Only groups that have a row (their writers'
     * pulls made it) are touched: a reader's socket, or one of a space that does not exist, creates nothing.
     */
    private static final String CONNECTED = """
            UPDATE client_group SET last_active_at = now(), cookie = ?
            WHERE space_id = ? AND id = ? AND deleted_at IS NULL""";

    private static final String PUSHED = """
            INSERT INTO client_group (space_id, id) VALUES (?, ?)
            ON CONFLICT (space_id, id) DO UPDATE SET last_active_at = now()
            WHERE client_group.deleted_at IS NULL
            RETURNING 1""";

    private final AgroalDataSource dataSource;
    private final long recordEveryNanos;
    private final Map<Group, Long> recorded = new ConcurrentHashMap<>();

    /** @param dataSource whose connections, inside a transaction, are the transaction's own */
    ClientGroups(AgroalDataSource dataSource, GcConfig config) {
        this.dataSource = dataSource;
        Duration quarter = config.clientGroupMaxAge().dividedBy(4);
        this.recordEveryNanos = Math.min(Duration.ofHours(1).toNanos(), quarter.toNanos());
    }

    /** A client group of a space. */
    public record Group(String spaceID, String clientGroupID) {
    }

    /**
     * The group pushed. {@code createsClients}: the push has clients the server does not know yet, which a collected
     * group may not get, so the database is always asked.
     *
     * @return false when the group was collected
     */
    public boolean pushed(String spaceID, String clientGroupID, boolean createsClients) {
        Group group = new Group(spaceID, clientGroupID);
        if (!createsClients && recentlyRecorded(group)) {
            return true;
        }
        return record(group, PUSHED);
    }

    /**
     * The group pulled (or said hello) and holds, from now on, a cookie of at least {@code cookie}: tombstones up to
     * the lowest such cookie of a space's live groups may be purged. {@code mayWrite}: the caller may write the space;
     * a reader's pull records a group that exists and creates none.
     *
     * @return false when the group was collected
     */
    public boolean pulled(String spaceID, String clientGroupID, long cookie, boolean mayWrite) {
        Group group = new Group(spaceID, clientGroupID);
        if (recentlyRecorded(group)) {
            return true;
        }
        return mayWrite ? record(group, PULLED, cookie) : record(group, READ, cookie);
    }

    /**
     * The groups hold sockets open on this machine, each with at least its cookie: they are active whether or not they
     * push or pull. Recorded in one batch, in the caller's transaction.
     */
    public void connected(Collection<Map.Entry<Group, Long>> groups) {
        try (Connection connection = dataSource.getConnection();
                PreparedStatement update = connection.prepareStatement(CONNECTED)) {
            for (Map.Entry<Group, Long> group : groups) {
                update.setLong(1, group.getValue());
                update.setString(2, group.getKey().spaceID());
                update.setString(3, group.getKey().clientGroupID());
                update.addBatch();
            }
            update.executeBatch();
        } catch (SQLException e) {
            throw new StorageException("could not record connected client groups", e);
        }
    }

    private boolean recentlyRecorded(Group group) {
        Long at = recorded.get(group);
        return at != null && System.nanoTime() - at < recordEveryNanos;
    }

    /** Runs the upsert (its parameters: the group's space and id, then the rest); false when the group was collected. */
    private boolean record(Group group, String upsert, Object... rest) {
        boolean live;
        try (Connection connection = dataSource.getConnection();
                PreparedStatement statement = connection.prepareStatement(upsert)) {
            statement.setString(1, group.spaceID());
            statement.setString(2, group.clientGroupID());
            for (int i = 0; i < rest.length; i++) {
                statement.setObject(3 + i, rest[i]);
            }
            try (ResultSet rows = statement.executeQuery()) {
                live = rows.next();
            }
        } catch (SQLException e) {
            throw new StorageException("could not record client group " + group.clientGroupID(), e);
        }
        if (!live) {
            recorded.remove(group);
            return false;
        }
        if (recorded.size() >= MAX_REMEMBERED) {
            recorded.clear();
        }
        recorded.put(group, System.nanoTime());
        return true;
    }
}
