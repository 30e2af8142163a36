package io.github.replicachequarkus.store;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import jakarta.enterprise.context.ApplicationScoped;

import io.agroal.api.AgroalDataSource;

/**
 * A space's client groups as the database holds them (see {@code client_group} and {@code client}), a page at a time in
 * group id order: each with its user, when it was last active, and its clients. Groups the collector deleted are not
 * listed: their clients are gone.
 */
@ApplicationScoped
public class SpaceClients {

    /** One snapshot of the page: the space (absent: no such space), its groups after the cursor, and their clients. */
    private static final String GROUPS = """
            SELECT g.id, g.user_id, g.last_active_at, c.id, c.last_mutation_id, c.last_modified_version
            FROM (SELECT id FROM space WHERE id = ? AND deleted_at IS NULL) s
            LEFT JOIN LATERAL (
                SELECT id, user_id, last_active_at FROM client_group
                WHERE space_id = s.id AND deleted_at IS NULL AND (?::text IS NULL OR id > ?)
                ORDER BY id LIMIT ?
            ) g ON true
            LEFT JOIN client c ON c.space_id = s.id AND c.client_group_id = g.id
            ORDER BY g.id, c.id""";

    private static final String EXISTS = "SELECT 1 FROM space WHERE id = ? AND deleted_at IS NULL";

    /** A client of a group: the last mutation the server applied of it, and the version that last changed that. */
    public record ClientRow(String clientID, long lastMutationID, long lastModifiedVersion) {
    }

    /**
     * A client group: the user it belongs to (null: nobody's yet, as in open mode), and when it last pushed, pulled or
     * held a socket open (refreshed while one is).
     */
    public record GroupRow(String clientGroupID, String userID, Instant lastActiveAt, List<ClientRow> clients) {
    }

    /** Groups in id order, and whether more follow the last. */
    public record GroupPage(List<GroupRow> groups, boolean more) {
    }

    private final AgroalDataSource dataSource;

    SpaceClients(AgroalDataSource dataSource) {
        this.dataSource = dataSource;
    }

    /** Whether the space exists (and was not deleted). */
    public boolean spaceExists(String spaceID) {
        try (Connection connection = dataSource.getConnection();
                PreparedStatement select = connection.prepareStatement(EXISTS)) {
            select.setString(1, spaceID);
            try (ResultSet row = select.executeQuery()) {
                return row.next();
            }
        } catch (SQLException e) {
            throw new StorageException("could not look for space " + spaceID, e);
        }
    }

    /** Up to {@code limit} groups of the space after {@code after} (null: from the first); empty when no such space. */
    public Optional<GroupPage> groups(String spaceID, String after, int limit) {
        try (Connection connection = dataSource.getConnection();
                PreparedStatement select = connection.prepareStatement(GROUPS)) {
            select.setString(1, spaceID);
            select.setString(2, after);
            select.setString(3, after);
            select.setInt(4, limit + 1); // one more: whether another page follows
            boolean space = false;
            Map<String, GroupRow> groups = new LinkedHashMap<>();
            try (ResultSet rows = select.executeQuery()) {
                while (rows.next()) {
                    space = true;
                    String groupID = rows.getString(1);
                    if (groupID == null) {
                        continue; // the space without groups after the cursor: one row, no group
                    }
                    GroupRow group = groups.get(groupID);
                    if (group == null) {
                        group = new GroupRow(groupID, rows.getString(2), rows.getTimestamp(3).toInstant(),
                                new ArrayList<>());
                        groups.put(groupID, group);
                    }
                    String clientID = rows.getString(4);
                    if (clientID != null) {
                        group.clients().add(new ClientRow(clientID, rows.getLong(5), rows.getLong(6)));
                    }
                }
            }
            if (!space) {
                return Optional.empty();
            }
            List<GroupRow> page = new ArrayList<>(groups.values());
            boolean more = page.size() > limit;
            return Optional.of(new GroupPage(more ? page.subList(0, limit) : page, more));
        } catch (SQLException e) {
            throw new StorageException("could not read the client groups of space " + spaceID, e);
        }
    }
}
