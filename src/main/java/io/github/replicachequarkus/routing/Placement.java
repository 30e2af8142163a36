package io.github.replicachequarkus.routing;

import java.time.Instant;
import java.util.List;
import java.util.Objects;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;

import io.quarkus.hibernate.orm.panache.PanacheEntityBase;

/** Which machine hosts a space's room. */
@Entity
@Table(name = "placement")
public class Placement extends PanacheEntityBase {

    @Id
    @Column(name = "space_id")
    public String spaceId;

    @Column(name = "machine_id")
    public String machineId;

    @Column(name = "placed_at")
    public Instant placedAt;

    /**
     * Places the space on the machine unless another transaction placed it meanwhile on a machine other than
     * {@code previous} (null: it had none). Returns the owner after the attempt: the chosen machine, or the winner.
     */
    public static String placeIfUnchanged(String spaceId, String machineId, String previous) {
        @SuppressWarnings("unchecked")
        List<String> placed = getEntityManager().createNativeQuery("""
                INSERT INTO placement (space_id, machine_id) VALUES (?1, ?2)
                ON CONFLICT (space_id) DO UPDATE SET machine_id = excluded.machine_id, placed_at = now()
                    WHERE placement.machine_id IS NOT DISTINCT FROM ?3
                RETURNING machine_id""")
                .setParameter(1, spaceId).setParameter(2, machineId).setParameter(3, previous).getResultList();
        if (!placed.isEmpty()) {
            return placed.get(0);
        }
        Placement winner = findById(spaceId);
        if (winner == null) {
            return null; // released meanwhile: the caller decides again
        }
        getEntityManager().refresh(winner);
        return winner.machineId;
    }

    /** Gives up every room of the machine (when it drains). */
    public static long release(String machineId) {
        return delete("machineId", machineId);
    }

    public static List<Placement> of(List<String> spaceIds) {
        return list("spaceId in ?1", spaceIds);
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof Placement placement && Objects.equals(spaceId, placement.spaceId);
    }

    @Override
    public int hashCode() {
        return Objects.hashCode(spaceId);
    }
}
