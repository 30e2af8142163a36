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

import com.fasterxml.jackson.annotation.JsonRawValue;

import io.agroal.api.AgroalDataSource;
import io.quarkus.runtime.annotations.RegisterForReflection;

/**
 * What the server API reads: spaces, and a space's live entries. Each read is one statement, so one snapshot: the
 * entries a page lists are those of the version it reports. Pages are bounded by the caller's limit; a key cursor
 * ({@code after}) continues where the last page ended.
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

    private static Instant instant(Timestamp timestamp) {
        return timestamp == null ? null : timestamp.toInstant();
    }
}
