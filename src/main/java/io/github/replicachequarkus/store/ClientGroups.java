package io.github.replicachequarkus.store;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.Collection;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

import jakarta.enterprise.context.ApplicationScoped;

import io.agroal.api.AgroalDataSource;

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

    /**
     * The group (space, id) is active now, holds at least the cookie and is the user's: a new group is the user's who
     * first used it; nothing changes once it was collected, or when it is another user's. A row back when it is live
     * and the user's. Parameters: space, id, cookie, user.
     */
    private static final String PULLED = """
            INSERT INTO client_group (space_id, id, cookie, user_id) VALUES (?, ?, ?, ?)
            ON CONFLICT (space_id, id) DO UPDATE SET last_active_at = now(), cookie = excluded.cookie,
                user_id = COALESCE(client_group.user_id, excluded.user_id)
            WHERE client_group.deleted_at IS NULL
                AND (client_group.user_id IS NULL OR excluded.user_id IS NULL OR client_group.user_id = excluded.user_id)
            RETURNING 1""";

    /** {@link #PULLED} for a push, which says nothing of cookies. Parameters: space, id, user. */
    private static final String PUSHED = """
            INSERT INTO client_group (space_id, id, user_id) VALUES (?, ?, ?)
            ON CONFLICT (space_id, id) DO UPDATE SET last_active_at = now(),
                user_id = COALESCE(client_group.user_id, excluded.user_id)
            WHERE client_group.deleted_at IS NULL
                AND (client_group.user_id IS NULL OR excluded.user_id IS NULL OR client_group.user_id = excluded.user_id)
            RETURNING 1""";

    /**
     * A reader's pull: the group's row is touched if it exists (and is the user's) and never created; a row back
     * unless the group was collected or is another user's. Parameters: space, id, cookie, user.
     */
    private static final String READ = """
            WITH p (space_id, id, cookie, user_id) AS (VALUES (?, ?, ?::bigint, ?::text)
            ), found AS (
                SELECT g.deleted_at, g.user_id FROM client_group g JOIN p ON g.space_id = p.space_id AND g.id = p.id
            ), touched AS (
                UPDATE client_group g SET last_active_at = now(), cookie = p.cookie FROM p
                WHERE g.space_id = p.space_id AND g.id = p.id AND g.deleted_at IS NULL
                    AND (g.user_id IS NULL OR p.user_id IS NULL OR g.user_id = p.user_id)
            )
            SELECT 1 WHERE NOT EXISTS (SELECT 1 FROM found, p WHERE found.deleted_at IS NOT NULL
                OR (found.user_id IS NOT NULL AND p.user_id IS NOT NULL AND found.user_id <> p.user_id))""";

    /** Why a group may not be used, when its upsert returned no row. Parameters: space, id. */
    private static final String WHY_NOT = "SELECT deleted_at IS NOT NULL FROM client_group WHERE space_id = ? AND id = ?";

    /**
     * The groups with sockets are active and hold at least the cookie. Only groups that have a row (their writers'
     * pulls made it) are touched: a reader's socket, or one of a space that does not exist, creates nothing.
     */
    private static final String CONNECTED = """
            UPDATE client_group SET last_active_at = now(), cookie = ?
            WHERE space_id = ? AND id = ? AND deleted_at IS NULL""";

    private final AgroalDataSource dataSource;
    private final long recordEveryNanos;
    private final Map<Group, Recorded> recorded = new ConcurrentHashMap<>();

    /** @param dataSource whose connections, inside a transaction, are the transaction's own */
    ClientGroups(AgroalDataSource dataSource, GcConfig config) {
        this.dataSource = dataSource;
        Duration quarter = config.clientGroupMaxAge().dividedBy(4);
        this.recordEveryNanos = Math.min(Duration.ofHours(1).toNanos(), quarter.toNanos());
    }

    /** A client group of a space. */
    public record Group(String spaceID, String clientGroupID) {
    }

    /** What a push or pull may do with its client group. */
    public enum Use {
        /** The group is live and the caller's (or nobody's yet: it is the caller's from now on). */
        ALLOWED,
        /** The collector took it after a long idle time: the client must start afresh. */
        COLLECTED,
        /** Another user's group: refused, whatever the caller may do in the space. */
        ANOTHER_USERS
    }

    /**
     * The group pushed. {@code createsClients}: the push has clients the server does not know yet, which a collected
     * group may not get, so the database is always asked.
     *
     * @param userID who pushes (empty in open mode): a group belongs to the user who first used it
     */
    public Use pushed(String spaceID, String clientGroupID, boolean createsClients, Optional<String> userID) {
        Group group = new Group(spaceID, clientGroupID);
        String user = userID.orElse(null);
        if (!createsClients && recentlyRecorded(group, user)) {
            return Use.ALLOWED;
        }
        return record(group, user, PUSHED, user);
    }

    /**
     * The group pulled (or said hello) and holds, from now on, a cookie of at least {@code cookie}: tombstones up to
     * the lowest such cookie of a space's live groups may be purged. {@code mayWrite}: the caller may write the space;
     * a reader's pull records a group that exists and creates none.
     *
     * @param userID who pulls (empty in open mode): a group belongs to the user who first used it
     */
    public Use pulled(String spaceID, String clientGroupID, long cookie, boolean mayWrite, Optional<String> userID) {
        Group group = new Group(spaceID, clientGroupID);
        String user = userID.orElse(null);
        if (recentlyRecorded(group, user)) {
            return Use.ALLOWED;
        }
        return record(group, user, mayWrite ? PULLED : READ, cookie, user);
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

    /** Whether the group was recorded as live and this user's (or nobody's) lately: then the database need not be asked. */
    private boolean recentlyRecorded(Group group, String user) {
        Recorded at = recorded.get(group);
        return at != null && System.nanoTime() - at.nanos() < recordEveryNanos
                && (at.user() == null || user == null || at.user().equals(user));
    }

    /** Runs the upsert (its parameters: the group's space and id, then the rest), and says what the caller may do. */
    private Use record(Group group, String user, String upsert, Object... rest) {
        Use use;
        try (Connection connection = dataSource.getConnection()) {
            try (PreparedStatement statement = connection.prepareStatement(upsert)) {
                statement.setString(1, group.spaceID());
                statement.setString(2, group.clientGroupID());
                for (int i = 0; i < rest.length; i++) {
                    statement.setObject(3 + i, rest[i]);
                }
                try (ResultSet rows = statement.executeQuery()) {
                    use = rows.next() ? Use.ALLOWED : null;
                }
            }
            if (use == null) {
                try (PreparedStatement why = connection.prepareStatement(WHY_NOT)) {
                    why.setString(1, group.spaceID());
                    why.setString(2, group.clientGroupID());
                    try (ResultSet rows = why.executeQuery()) {
                        use = rows.next() && rows.getBoolean(1) ? Use.COLLECTED : Use.ANOTHER_USERS;
                    }
                }
            }
        } catch (SQLException e) {
            throw new StorageException("could not record client group " + group.clientGroupID(), e);
        }
        if (use != Use.ALLOWED) {
            recorded.remove(group);
            return use;
        }
        if (recorded.size() >= MAX_REMEMBERED) {
            recorded.clear();
        }
        recorded.put(group, new Recorded(System.nanoTime(), user));
        return use;
    }

    /**
     * The space was deleted, here or on another machine: its groups were marked collected, and what this machine
     * remembers of them must not let one through.
     */
    public void forgetSpace(String spaceID) {
        recorded.keySet().removeIf(group -> group.spaceID().equals(spaceID));
    }

    /** When a group was last recorded, and for whom. */
    private record Recorded(long nanos, String user) {
    }
}
