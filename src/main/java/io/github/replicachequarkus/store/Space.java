package io.github.replicachequarkus.store;

import java.time.Instant;
import java.util.List;
import java.util.Objects;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;

import io.quarkus.hibernate.orm.panache.PanacheEntityBase;

/** A space (a document, a room): its data is versioned by one counter, bumped by every committed change. */
@Entity
@Table(name = "space")
public class Space extends PanacheEntityBase {

    @Id
    public String id;

    public long version;

    /** Tombstones up to this version were purged: a pull from an older cookie must get the whole state. */
    @Column(name = "purged_version")
    public long purgedVersion;

    @Column(name = "created_at", insertable = false, updatable = false)
    public Instant createdAt;

    public static boolean exists(String id) {
        return count("id", id) > 0;
    }

    /** The most recently created spaces. */
    public static List<Space> newest(int limit) {
        return find("order by createdAt desc, id").page(0, limit).list();
    }

    /** Creates the space at version 0 unless it exists; safe when several transactions race to create it. */
    public static boolean create(String id) {
        return getEntityManager()
                .createNativeQuery("INSERT INTO space (id, version) VALUES (?1, 0) ON CONFLICT (id) DO NOTHING")
                .setParameter(1, id)
                .executeUpdate() > 0;
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof Space space && Objects.equals(id, space.id);
    }

    @Override
    public int hashCode() {
        return Objects.hashCode(id);
    }
}
