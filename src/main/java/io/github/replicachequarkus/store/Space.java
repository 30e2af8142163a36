package io.github.replicachequarkus.store;

import java.time.Instant;
import java.util.ArrayList;
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

    /**
     * What changed in a space after a version, read by one statement (one snapshot, even in READ COMMITTED, so no
     * REPEATABLE READ round trip is needed): what a room's broadcast pass reads after each change.
     *
     * @param exists whether the space exists (deleted or not)
     * @param deleted whether it was deleted: then nothing else is read
     * @param version its version; 0 when it does not exist
     * @param from where the changes start: the version asked for, or the version up to which tombstones were purged
     *        when that is later
     * @param entries the entries changed after {@code from}, tombstones included; none when the space is at
     *        {@code from} or before
     * @param clients the clients whose last mutation id changed after {@code from}, of every group
     */
    public record Changes(boolean exists, boolean deleted, long version, long from, List<Entry.Versioned> entries,
            List<ClientRecord.Versioned> clients) {
    }

    /** {@link Changes} of the space after {@code fromVersion}, in one round trip. */
    public static Changes changesAfter(String id, long fromVersion) {
        List<?> rows = getEntityManager().createNativeQuery("""
                WITH s AS (SELECT version, purged_version, deleted_at IS NOT NULL AS deleted FROM space WHERE id = ?1)
                SELECT 0 AS kind, s.version, s.purged_version AS number, s.deleted AS flag, NULL::text AS id,
                       NULL::text AS value, NULL::text AS client_group_id
                  FROM s
                UNION ALL
                SELECT 1, e.version, 0, e.deleted, e.key, e.value::text, NULL
                  FROM entry e, s
                 WHERE e.space_id = ?1 AND NOT s.deleted AND s.version > ?2 AND e.version > GREATEST(?2, s.purged_version)
                UNION ALL
                SELECT 2, c.last_modified_version, c.last_mutation_id, false, c.id, NULL, c.client_group_id
                  FROM client c, s
                 WHERE c.space_id = ?1 AND NOT s.deleted AND s.version > ?2
                   AND c.last_modified_version > GREATEST(?2, s.purged_version)""")
                .setParameter(1, id)
                .setParameter(2, fromVersion)
                .getResultList();
        boolean exists = false;
        boolean deleted = false;
        long version = 0;
        long purged = 0;
        List<Entry.Versioned> entries = new ArrayList<>();
        List<ClientRecord.Versioned> clients = new ArrayList<>();
        for (Object result : rows) {
            Object[] row = (Object[]) result;
            long rowVersion = ((Number) row[1]).longValue();
            switch (((Number) row[0]).intValue()) {
                case 0 -> {
                    exists = true;
                    version = rowVersion;
                    purged = ((Number) row[2]).longValue();
                    deleted = (Boolean) row[3];
                }
                case 1 -> entries.add(new Entry.Versioned((String) row[4], (String) row[5], (Boolean) row[3], rowVersion));
                default -> clients.add(
                        new ClientRecord.Versioned((String) row[4], (String) row[6], ((Number) row[2]).longValue(),
                                rowVersion));
            }
        }
        return new Changes(exists, deleted, version, Math.max(fromVersion, purged), List.copyOf(entries),
                List.copyOf(clients));
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
