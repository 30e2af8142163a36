package io.github.replicachequarkus.store;

import java.io.Serializable;
import java.util.List;
import java.util.Objects;
import java.util.function.Consumer;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.IdClass;
import jakarta.persistence.Table;

import org.hibernate.annotations.ColumnTransformer;

import io.quarkus.hibernate.orm.panache.PanacheEntityBase;
import io.quarkus.runtime.annotations.RegisterForReflection;

/** One key of a space: its JSON value, the version that last changed it, and whether that change deleted it. */
@Entity
@Table(name = "entry")
@IdClass(Entry.Key.class)
public class Entry extends PanacheEntityBase {

    @Id
    @Column(name = "space_id")
    public String spaceID;

    @Id
    public String key;

    /** The value as JSON text, stored as it is; {@code null} for a tombstone. */
    @ColumnTransformer(write = "?::json")
    public String value;

    public long version;

    public boolean deleted;

    /** What a pull sends of an entry. */
    @RegisterForReflection // Panache's project() reads its constructor by reflection, and Hibernate calls it
    public record Change(String key, String value, boolean deleted) {
    }

    /** Rows of the first page of a read, before the size of the entries is known. */
    private static final int FIRST_PAGE_ROWS = 32;
    /** Most rows in a page, however small the entries. */
    private static final int MAX_PAGE_ROWS = 1000;

    /**
     * Hands {@code sink} every live entry of the space (what a client with no cookie is sent), or with
     * {@code afterVersion} at 0 or more every entry changed (or deleted) after it, in key order, a page at a time. Each
     * page holds about {@code pageBytes} of keys and values, sized on the page before it: a read of a large space, or of
     * large entries, never holds more than about a page. The pages must be read in one snapshot (a REPEATABLE READ
     * transaction) to make one state.
     *
     * @return how many entries it handed over
     */
    public static int forEach(String spaceID, long afterVersion, int pageBytes, Consumer<Change> sink) {
        int rows = FIRST_PAGE_ROWS;
        String after = null;
        int count = 0;
        while (true) {
            List<Change> page = page(spaceID, afterVersion, after, rows);
            long bytes = 0;
            for (Change change : page) {
                sink.accept(change);
                bytes += change.key().length() + (change.value() == null ? 0 : change.value().length());
            }
            count += page.size();
            if (page.size() < rows) {
                return count;
            }
            after = page.get(page.size() - 1).key();
            long perRow = Math.max(1, bytes / page.size());
            rows = (int) Math.max(1, Math.min(MAX_PAGE_ROWS, pageBytes / perRow));
        }
    }

    private static List<Change> page(String spaceID, long afterVersion, String afterKey, int rows) {
        if (afterVersion < 0) {
            return (afterKey == null ? find("spaceID = ?1 and deleted = false order by key", spaceID)
                    : find("spaceID = ?1 and deleted = false and key > ?2 order by key", spaceID, afterKey))
                    .page(0, rows).project(Change.class).list();
        }
        return (afterKey == null ? find("spaceID = ?1 and version > ?2 order by key", spaceID, afterVersion)
                : find("spaceID = ?1 and version > ?2 and key > ?3 order by key", spaceID, afterVersion, afterKey))
                .page(0, rows).project(Change.class).list();
    }

    /** An entry with the version that last changed it ({@link Space#changesAfter}). */
    public record Versioned(String key, String value, boolean deleted, long version) {
    }

    static String escapeLike(String text) {
        return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_");
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof Entry entry && Objects.equals(spaceID, entry.spaceID) && Objects.equals(key, entry.key);
    }

    @Override
    public int hashCode() {
        return Objects.hash(spaceID, key);
    }

    /** The composite id: a key is unique within its space. */
    public record Key(String spaceID, String key) implements Serializable {
    }
}
