package io.github.replicachequarkus.store;

import java.io.Serializable;
import java.util.List;
import java.util.Objects;
import java.util.stream.Stream;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.IdClass;
import jakarta.persistence.Table;

import org.hibernate.annotations.ColumnTransformer;
import org.hibernate.jpa.HibernateHints;

import io.quarkus.hibernate.orm.panache.PanacheEntityBase;
import io.quarkus.runtime.annotations.RegisterForReflection;

/** One key of a space: its JSON value, the version that last changed it, and whether that change deleted it. */
@Entity
@Table(name = "entry")
@IdClass(Entry.Key.class)
public class Entry extends PanacheEntityBase {

    @Id
    @Column(name = "space_id")
    public String spaceId;

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

    /**
     * Every live entry of the space (what a client with no cookie is sent), read {@code fetchSize} rows at a time: a
     * stream over a large space never holds it whole (within a transaction).
     */
    public static Stream<Change> live(String spaceId, int fetchSize) {
        return find("spaceId = ?1 and deleted = false", spaceId).withHint(HibernateHints.HINT_FETCH_SIZE, fetchSize)
                .project(Change.class).stream();
    }

    /** Every entry changed (or deleted) after the version, read {@code fetchSize} rows at a time. */
    public static Stream<Change> changedAfter(String spaceId, long version, int fetchSize) {
        return find("spaceId = ?1 and version > ?2", spaceId, version).withHint(HibernateHints.HINT_FETCH_SIZE, fetchSize)
                .project(Change.class).stream();
    }

    /** An entry with the version that last changed it. */
    @RegisterForReflection // Panache's project() reads its constructor by reflection, and Hibernate calls it
    public record Versioned(String key, String value, boolean deleted, long version) {
    }

    /** Every entry changed (or deleted) after the version, with the version that changed it. */
    public static List<Versioned> changedAfterWithVersions(String spaceId, long version) {
        return find("spaceId = ?1 and version > ?2", spaceId, version).project(Versioned.class).list();
    }

    static String escapeLike(String text) {
        return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_");
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof Entry entry && Objects.equals(spaceId, entry.spaceId) && Objects.equals(key, entry.key);
    }

    @Override
    public int hashCode() {
        return Objects.hash(spaceId, key);
    }

    /** The composite id: a key is unique within its space. */
    public record Key(String spaceId, String key) implements Serializable {
    }
}
