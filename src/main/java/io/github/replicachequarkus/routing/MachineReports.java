package io.github.replicachequarkus.routing;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import jakarta.enterprise.context.ApplicationScoped;

import io.agroal.api.AgroalDataSource;
import io.github.replicachequarkus.room.RoomActivity;
import io.github.replicachequarkus.store.StorageException;

/**
 * What the machines report with their heartbeats (see {@code V11__machine_load.sql}): their socket and room counts,
 * and their rooms' load, for the server API's view of the whole deployment. A heartbeat sends every room of its
 * machine, but writes only the rows that changed: a quiet machine rewrites nothing.
 */
@ApplicationScoped
public class MachineReports {

    private static final String COUNTS = "UPDATE machine SET sockets = ?, rooms = ? WHERE id = ?";

    private static final String ROOMS_GONE = """
            DELETE FROM machine_room WHERE machine_id = ? AND NOT (space_id = ANY (?))""";

    private static final String ROOMS = """
            INSERT INTO machine_room (machine_id, space_id, sockets, changes_per_minute)
            SELECT ?, r.space_id, r.sockets, r.changes_per_minute
            FROM unnest(?::text[], ?::int[], ?::bigint[]) AS r (space_id, sockets, changes_per_minute)
            ON CONFLICT (machine_id, space_id) DO UPDATE SET sockets = excluded.sockets,
                changes_per_minute = excluded.changes_per_minute
            WHERE machine_room.sockets <> excluded.sockets
                OR machine_room.changes_per_minute <> excluded.changes_per_minute""";

    /** The app's machines whose heartbeat has not expired, serving or draining. */
    private static final String MACHINES = """
            SELECT id, region, draining, heartbeat_at, sockets, rooms FROM machine
            WHERE app = ? AND heartbeat_at > ? ORDER BY id""";

    /**
     * The rooms of the app's machines whose heartbeat has not expired, one row per space (its sockets summed over the
     * machines that report it, which is one but while a room moves), with its version and its placement's machine.
     */
    private static final String BUSIEST = """
            WITH rooms AS (
                SELECT r.space_id, sum(r.sockets)::int AS sockets, max(r.changes_per_minute) AS changes_per_minute
                FROM machine_room r JOIN machine m ON m.id = r.machine_id
                WHERE m.app = ? AND m.heartbeat_at > ? AND starts_with(r.space_id, ?)
                GROUP BY r.space_id
            )
            SELECT rooms.space_id, rooms.sockets, rooms.changes_per_minute, COALESCE(s.version, 0), host.id,
                host.region, count(*) OVER ()
            FROM rooms
            LEFT JOIN space s ON s.id = rooms.space_id
            LEFT JOIN placement p ON p.space_id = rooms.space_id
            LEFT JOIN machine host ON host.id = p.machine_id
            ORDER BY rooms.sockets DESC, rooms.changes_per_minute DESC, rooms.space_id
            OFFSET ? LIMIT ?""";

    private static final String TOTAL = """
            SELECT count(DISTINCT r.space_id) FROM machine_room r JOIN machine m ON m.id = r.machine_id
            WHERE m.app = ? AND m.heartbeat_at > ? AND starts_with(r.space_id, ?)""";

    /** A machine as it last reported. */
    public record MachineRow(String id, String region, boolean draining, Instant heartbeatAt, int sockets, int rooms) {
    }

    /** A room of the deployment, with its version and the machine it is placed on (null: not placed). */
    public record RoomRow(String spaceID, int sockets, long changesPerMinute, long version, String owner, String region) {
    }

    /** A page of rooms, and how many match in all. */
    public record RoomPage(long total, List<RoomRow> rooms) {
    }

    private final AgroalDataSource dataSource;

    MachineReports(AgroalDataSource dataSource) {
        this.dataSource = dataSource;
    }

    /** Reports this machine's counts and rooms, in the heartbeat's transaction's stead: one transaction of its own. */
    void report(String machineID, int sockets, int roomCount, List<RoomActivity.Load> rooms) {
        try (Connection connection = dataSource.getConnection()) {
            connection.setAutoCommit(false);
            try (PreparedStatement counts = connection.prepareStatement(COUNTS);
                    PreparedStatement gone = connection.prepareStatement(ROOMS_GONE);
                    PreparedStatement upsert = connection.prepareStatement(ROOMS)) {
                counts.setInt(1, sockets);
                counts.setInt(2, roomCount);
                counts.setString(3, machineID);
                counts.executeUpdate();
                Object[] spaceIDs = rooms.stream().map(RoomActivity.Load::spaceID).toArray();
                gone.setString(1, machineID);
                gone.setArray(2, connection.createArrayOf("text", spaceIDs));
                gone.executeUpdate();
                if (!rooms.isEmpty()) {
                    upsert.setString(1, machineID);
                    upsert.setArray(2, connection.createArrayOf("text", spaceIDs));
                    upsert.setArray(3, connection.createArrayOf("integer",
                            rooms.stream().map(RoomActivity.Load::sockets).toArray()));
                    upsert.setArray(4, connection.createArrayOf("bigint",
                            rooms.stream().map(RoomActivity.Load::changesPerMinute).toArray()));
                    upsert.executeUpdate();
                }
                connection.commit();
            } catch (SQLException e) {
                connection.rollback();
                throw e;
            } finally {
                connection.setAutoCommit(true);
            }
        } catch (SQLException e) {
            throw new StorageException("could not report this machine's rooms", e);
        }
    }

    /** The app's machines whose heartbeat is after {@code since}, serving or draining, in id order. */
    public List<MachineRow> machines(String app, Instant since) {
        try (Connection connection = dataSource.getConnection();
                PreparedStatement select = connection.prepareStatement(MACHINES)) {
            select.setString(1, app);
            select.setTimestamp(2, Timestamp.from(since));
            List<MachineRow> machines = new ArrayList<>();
            try (ResultSet rows = select.executeQuery()) {
                while (rows.next()) {
                    machines.add(new MachineRow(rows.getString(1), rows.getString(2), rows.getBoolean(3),
                            rows.getTimestamp(4).toInstant(), rows.getInt(5), rows.getInt(6)));
                }
            }
            return machines;
        } catch (SQLException e) {
            throw new StorageException("could not read the machines", e);
        }
    }

    /**
     * A page of the rooms the app's machines (heartbeat after {@code since}) reported, busiest first: by sockets, then
     * changes per minute, then space id.
     */
    public RoomPage busiest(String app, Instant since, String prefix, int offset, int limit) {
        try (Connection connection = dataSource.getConnection();
                PreparedStatement select = connection.prepareStatement(BUSIEST)) {
            select.setString(1, app);
            select.setTimestamp(2, Timestamp.from(since));
            select.setString(3, prefix);
            select.setInt(4, offset);
            select.setInt(5, limit);
            List<RoomRow> rooms = new ArrayList<>();
            long total = -1;
            try (ResultSet rows = select.executeQuery()) {
                while (rows.next()) {
                    rooms.add(new RoomRow(rows.getString(1), rows.getInt(2), rows.getLong(3), rows.getLong(4),
                            rows.getString(5), rows.getString(6)));
                    total = rows.getLong(7);
                }
            }
            return new RoomPage(total >= 0 ? total : total(connection, app, since, prefix), rooms);
        } catch (SQLException e) {
            throw new StorageException("could not read the busiest rooms", e);
        }
    }

    /** The count when the page is past the last room (the window count came with no row). */
    private static long total(Connection connection, String app, Instant since, String prefix) throws SQLException {
        try (PreparedStatement select = connection.prepareStatement(TOTAL)) {
            select.setString(1, app);
            select.setTimestamp(2, Timestamp.from(since));
            select.setString(3, prefix);
            try (ResultSet row = select.executeQuery()) {
                row.next();
                return row.getLong(1);
            }
        }
    }
}
