package io.github.replicachequarkus.store;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import jakarta.enterprise.context.ApplicationScoped;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonRawValue;

import io.agroal.api.AgroalDataSource;
import io.quarkus.runtime.annotations.RegisterForReflection;

/**
 * What the server API reads: spaces, a space's live entries, and its changes after a version. Each read is one
 * snapshot: the entries a page lists are those of the version it reports. Pages are bounded by the caller's limit; a
 * key cursor ({@code after}) continues where the last page of entries ended, a version ({@code since}) where the last
 * page of changes ended.
 */
@ApplicationScoped
public class SpaceReads {

    /** A space: its version, when it was made and when it last changed. The server API sends it as it is. */
    @RegisterForReflection
    public record SpaceRow(String spaceID, long version, Instant createdAt, Instant changedAt) {
    }

    /** A live entry; {@code value} is its JSON text as stored, which the server API sends as it is. */
    @RegisterForReflection
    public record EntryRow(String key, @JsonRawValue String value) {
    }

    /** Spaces in id order, and whether more follow the last. */
    public record SpacePage(List<SpaceRow> spaces, boolean more) {
    }

    /** Entries of a space at its version, and whether more follow the last. */
    public record EntryPage(long version, List<EntryRow> entries, boolean more) {
    }

    /** One entry at the space's version; {@code value} null when the key holds nothing (absent or deleted). */
    public record EntryAt(long version, String value) {
    }

    /**
     * A change of a space's feed: the key's state as of {@code version}, the last version that wrote it. {@code value}
     * is the JSON text of a put, sent as it is; a del has none, and the reply leaves it out.
     */
    @RegisterForReflection
    public record Change(String key, String op, @JsonRawValue @JsonInclude(JsonInclude.Include.NON_NULL) String value,
            long version) {
    }

    /** What a read of a space's changes after a version found. */
    public sealed interface ChangesRead permits ChangePage, ChangesPurged, SinceAhead {
    }

    /**
     * Changes in (version, key) order, ending on a whole version. {@code to} is where the next page starts: the last
     * change's version when more follow, else the space's version (which a mirror that applied every page is then at).
     */
    public record ChangePage(long to, List<Change> changes, boolean more) implements ChangesRead {
    }

    /** Tombstones after the version asked for were purged (up to {@code purgedVersion}): its deletes are lost. */
    public record ChangesPurged(long purgedVersion) implements ChangesRead {
    }

    /** The version asked for is ahead of the space's {@code version}: it is not a version of this space's history. */
    public record SinceAhead(long version) implements ChangesRead {
    }

    private static final String SPACES = """
            SELECT id, version, created_at, changed_at FROM space
            WHERE starts_with(id, ?) AND (?::text IS NULL OR id > ?) AND deleted_at IS NULL
            ORDER BY id LIMIT ?""";

    /**
     * The space's version and a page of its live entries in key order (the "C" collation: byte order). The range
     * conditions let the primary key's index find the page; {@code starts_with} is the exact test.
     */
    private static final String ENTRIES = """
            SELECT s.version, e.key, e.value::text FROM space s
            LEFT JOIN LATERAL (
                SELECT key, value FROM entry
                WHERE space_id = s.id AND NOT deleted AND key >= ? AND (?::text IS NULL OR key < ?)
                    AND (?::text IS NULL OR key > ?) AND starts_with(key, ?)
                ORDER BY key LIMIT ?
            ) e ON true
            WHERE s.id = ? AND s.deleted_at IS NULL""";

    private static final String ENTRY = """
            SELECT s.version, e.value::text FROM space s
            LEFT JOIN entry e ON e.space_id = s.id AND e.key = ? AND NOT e.deleted
            WHERE s.id = ? AND s.deleted_at IS NULL""";

    /** Makes the transaction one snapshot; the first statement of the transaction, before any read. */
    private static final String SNAPSHOT = "SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY";

    private static final String SPACE = """
            SELECT version, purged_version FROM space WHERE id = ? AND deleted_at IS NULL""";

    /**
     * Every key last written after the version, tombstones included, in (version, key) order: the feed. Read through a
     * cursor, and only as far as the page needs.
     */
    private static final String CHANGES = """
            SELECT key, value::text, version, deleted FROM entry
            WHERE space_id = ? AND version > ?
            ORDER BY version, key""";

    /** Rows fetched per round trip once a page takes the rest of a version larger than its limit. */
    private static final int VERSION_FETCH_SIZE = 1000;

    private final AgroalDataSource dataSource;

    SpaceReads(AgroalDataSource dataSource) {
        this.dataSource = dataSource;
    }

    /** Up to {@code limit} spaces whose id starts with {@code prefix}, after {@code after} (null: from the first). */
    public SpacePage spaces(String prefix, String after, int limit) {
        try (Connection connection = dataSource.getConnection();
                PreparedStatement select = connection.prepareStatement(SPACES)) {
            select.setString(1, prefix);
            select.setString(2, after);
            select.setString(3, after);
            select.setInt(4, limit + 1); // one more: whether another page follows
            List<SpaceRow> spaces = new ArrayList<>();
            try (ResultSet rows = select.executeQuery()) {
                while (rows.next()) {
                    spaces.add(new SpaceRow(rows.getString(1), rows.getLong(2), instant(rows.getTimestamp(3)),
                            instant(rows.getTimestamp(4))));
                }
            }
            boolean more = spaces.size() > limit;
            return new SpacePage(more ? spaces.subList(0, limit) : spaces, more);
        } catch (SQLException e) {
            throw new StorageException("could not list spaces", e);
        }
    }

    /**
     * Up to {@code limit} live entries of the space whose key starts with {@code prefix}, after {@code after} (null:
     * from the first), at the version reported; empty when the space does not exist.
     */
    public Optional<EntryPage> entries(String spaceID, String prefix, String after, int limit) {
        String end = PrefixRange.end(prefix);
        try (Connection connection = dataSource.getConnection();
                PreparedStatement select = connection.prepareStatement(ENTRIES)) {
            select.setString(1, prefix);
            select.setString(2, end);
            select.setString(3, end);
            select.setString(4, after);
            select.setString(5, after);
            select.setString(6, prefix);
            select.setInt(7, limit + 1); // one more: whether another page follows
            select.setString(8, spaceID);
            List<EntryRow> entries = new ArrayList<>();
            long version = -1;
            try (ResultSet rows = select.executeQuery()) {
                while (rows.next()) {
                    version = rows.getLong(1);
                    String key = rows.getString(2);
                    if (key != null) { // the space without entries in the range: one row, no entry
                        entries.add(new EntryRow(key, rows.getString(3)));
                    }
                }
            }
            if (version < 0) {
                return Optional.empty();
            }
            boolean more = entries.size() > limit;
            return Optional.of(new EntryPage(version, more ? entries.subList(0, limit) : entries, more));
        } catch (SQLException e) {
            throw new StorageException("could not read the entries of space " + spaceID, e);
        }
    }

    /** The entry at the key, at the version reported; empty when the space does not exist. */
    public Optional<EntryAt> entry(String spaceID, String key) {
        try (Connection connection = dataSource.getConnection();
                PreparedStatement select = connection.prepareStatement(ENTRY)) {
            select.setString(1, key);
            select.setString(2, spaceID);
            try (ResultSet row = select.executeQuery()) {
                return row.next() ? Optional.of(new EntryAt(row.getLong(1), row.getString(2))) : Optional.empty();
            }
        } catch (SQLException e) {
            throw new StorageException("could not read an entry of space " + spaceID, e);
        }
    }

    /**
     * The changes of the space after {@code since}, a page of about {@code limit}, in one snapshot; empty when the space
     * does not exist. A page ends on a whole version, since the next starts after the version it ends on: when the limit
     * falls inside a version, the page stops before it, unless that version is all the page would hold; then the page
     * holds all of it, more than the limit. Rows come through a cursor, so no more than the page and one fetch of rows is
     * ever held.
     * <p>
     * A {@code since} of 0 is always answered: a mirror that starts empty needs no deletes, so purged tombstones are
     * nothing to it. Any other {@code since} below the space's purge mark is refused ({@link ChangesPurged}), and one
     * above the space's version too ({@link SinceAhead}).
     */
    public Optional<ChangesRead> changes(String spaceID, long since, int limit) {
        try (Connection connection = dataSource.getConnection()) {
            connection.setAutoCommit(false); // one transaction for both statements, and a cursor for the rows
            try {
                return changes(connection, spaceID, since, limit);
            } finally {
                connection.rollback(); // it only read: nothing to keep
                connection.setAutoCommit(true);
            }
        } catch (SQLException e) {
            throw new StorageException("could not read the changes of space " + spaceID, e);
        }
    }

    private static Optional<ChangesRead> changes(Connection connection, String spaceID, long since, int limit)
            throws SQLException {
        try (PreparedStatement snapshot = connection.prepareStatement(SNAPSHOT)) {
            snapshot.execute();
        }
        long version;
        try (PreparedStatement select = connection.prepareStatement(SPACE)) {
            select.setString(1, spaceID);
            try (ResultSet row = select.executeQuery()) {
                if (!row.next()) {
                    return Optional.empty();
                }
                version = row.getLong(1);
                long purgedVersion = row.getLong(2);
                if (since > version) {
                    return Optional.of(new SinceAhead(version));
                }
                if (since > 0 && since < purgedVersion) {
                    return Optional.of(new ChangesPurged(purgedVersion));
                }
            }
        }
        try (PreparedStatement select = connection.prepareStatement(CHANGES)) {
            select.setFetchSize(limit + 1); // a page and the row that tells whether it ends on a whole version
            select.setString(1, spaceID);
            select.setLong(2, since);
            try (ResultSet rows = select.executeQuery()) {
                return Optional.of(page(rows, limit, version));
            }
        }
    }

    /**
     * Takes rows until the page is full at the start of a version. Full inside a version, it drops that version's rows,
     * or, when they are all it holds, takes the rest of the version.
     */
    private static ChangePage page(ResultSet rows, int limit, long spaceVersion) throws SQLException {
        List<Change> page = new ArrayList<>();
        int whole = 0; // how many of the page's changes are of versions it holds all of
        long current = -1;
        while (rows.next()) {
            long version = rows.getLong(3);
            if (version != current) {
                if (page.size() >= limit) {
                    return new ChangePage(current, page, true);
                }
                whole = page.size();
                current = version;
            } else if (page.size() >= limit && whole > 0) {
                List<Change> kept = page.subList(0, whole);
                return new ChangePage(kept.get(whole - 1).version(), kept, true);
            } else if (page.size() == limit) {
                rows.setFetchSize(VERSION_FETCH_SIZE); // the rest of a version larger than the limit: fewer round trips
            }
            boolean deleted = rows.getBoolean(4);
            page.add(new Change(rows.getString(1), deleted ? "del" : "put", deleted ? null : rows.getString(2),
                    version));
        }
        return new ChangePage(spaceVersion, page, false);
    }

    private static Instant instant(Timestamp timestamp) {
        return timestamp == null ? null : timestamp.toInstant();
    }
}
