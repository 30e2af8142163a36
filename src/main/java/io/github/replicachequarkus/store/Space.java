package io.github.replicachequarkus.store;

import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.OptionalLong;

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

    /**
     * Read-only here: the version only moves forward, by statements that cannot lose a race (a push batch's write under
     * the row's lock, {@link #raiseVersion}); an entity written back at commit could set it to what it read.
     */
    @Column(insertable = false, updatable = false)
    public long version;

    /**
     * Tombstones up to this version were purged: a pull from an older cookie must get the whole state. Read-only here
     * too: only the collector moves it, forward, in SQL.
     */
    @Column(name = "purged_version", insertable = false, updatable = false)
    public long purgedVersion;

    @Column(name = "created_at", insertable = false, updatable = false)
    public Instant createdAt;

    /** When the space was deleted (see {@link #delete}); null while it lives. Read-only here too. */
    @Column(name = "deleted_at", insertable = false, updatable = false)
    public Instant deletedAt;

    /** Whether the space was deleted: it answers as one that does not exist. */
    public boolean deleted() {
        return deletedAt != null;
    }

    /** Whether the space exists (and was not deleted). */
    public static boolean exists(String id) {
        return count("id = ?1 and deletedAt is null", id) > 0;
    }

    /** The most recently created spaces (not the deleted ones). */
    public static List<Space> newest(int limit) {
        return find("deletedAt is null order by createdAt desc, id").page(0, limit).list();
    }

    /**
     * Deletes the space in the current transaction: its entries, clients, idempotency keys and placement go; its client
     * groups are marked collected (so that a client of it that comes back is told to start afresh); its row stays,
     * marked deleted, at a new version. Waits for the pushes that hold its row. With the outbox on, the deletion is
     * recorded for the webhooks as a change of that version that deletes every live key.
     *
     * @return the version the space was deleted at; empty when it does not exist or was deleted already
     */
    public static OptionalLong delete(String id, Outbox outbox) {
        List<?> version = getEntityManager().createNativeQuery("""
                UPDATE space SET deleted_at = now(), changed_at = now(), version = version + 1
                WHERE id = ?1 AND deleted_at IS NULL RETURNING version""")
                .setParameter(1, id)
                .getResultList();
        if (version.isEmpty()) {
            return OptionalLong.empty();
        }
        // A statement of its own, after the row's lock was taken: it sees what the pushes before it committed.
        long deletedAt = ((Number) version.get(0)).longValue();
        getEntityManager().createNativeQuery("""
                WITH entries AS (DELETE FROM entry WHERE space_id = ?1 RETURNING key, deleted),
                recorded AS (INSERT INTO webhook_event (space_id, version, changes)
                    SELECT ?1, ?2, json_agg(json_build_object('key', key, 'op', 'del') ORDER BY key)
                    FROM entries WHERE NOT deleted AND ?3 HAVING count(*) > 0),
                clients AS (DELETE FROM client WHERE space_id = ?1),
                groups AS (UPDATE client_group SET deleted_at = now(), cookie = NULL
                    WHERE space_id = ?1 AND deleted_at IS NULL),
                keys AS (DELETE FROM idempotency_key WHERE space_id = ?1)
                DELETE FROM placement WHERE space_id = ?1""")
                .setParameter(1, id)
                .setParameter(2, deletedAt)
                .setParameter(3, outbox.enabled())
                .executeUpdate();
        return OptionalLong.of(deletedAt);
    }

    /** Creates the space at version 0 unless it exists; safe when several transactions race to create it. */
    public static boolean create(String id) {
        return getEntityManager()
                .createNativeQuery("INSERT INTO space (id, version) VALUES (?1, 0) ON CONFLICT (id) DO NOTHING")
                .setParameter(1, id)
                .executeUpdate() > 0;
    }

    /**
     * Raises the space's version to at least {@code atLeast}, never lowering it, whatever committed since it was read.
     *
     * @return the version after the update; -1 when the space does not exist
     */
    public static long raiseVersion(String id, long atLeast) {
        List<?> version = getEntityManager()
                .createNativeQuery("UPDATE space SET changed_at = CASE WHEN ?1 > version THEN now() ELSE changed_at END,"
                        + " version = GREATEST(version, ?1) WHERE id = ?2 RETURNING version")
                .setParameter(1, atLeast)
                .setParameter(2, id)
                .getResultList();
        return version.isEmpty() ? -1 : ((Number) version.get(0)).longValue();
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
