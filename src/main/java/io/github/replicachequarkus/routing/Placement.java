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
    public String spaceID;

    @Column(name = "machine_id")
    public String machineID;

    @Column(name = "placed_at")
    public Instant placedAt;

    /**
     * Places the space on the machine unless another transaction placed it meanwhile on a machine other than
     * {@code previous} (null: it had none). Returns the owner after the attempt: the chosen machine, or the winner.
     */
    public static String placeIfUnchanged(String spaceID, String machineID, String previous) {
        @SuppressWarnings("unchecked")
        List<String> placed = getEntityManager().createNativeQuery("""
                INSERT INTO placement (space_id, machine_id) VALUES (?1, ?2)
                ON CONFLICT (space_id) DO UPDATE SET machine_id = excluded.machine_id, placed_at = now()
                    WHERE placement.machine_id IS NOT DISTINCT FROM ?3
                RETURNING machine_id""")
                .setParameter(1, spaceID).setParameter(2, machineID).setParameter(3, previous).getResultList();
        if (!placed.isEmpty()) {
            return placed.get(0);
        }
        Placement winner = findById(spaceID);
        if (winner == null) {
            return null; // released meanwhile: the caller decides again
        }
        getEntityManager().refresh(winner);
        return winner.machineID;
    }

    /** Gives up every room of the machine (when it drains). */
    public static long release(String machineID) {
        return delete("machineID", machineID);
    }

    public static List<Placement> of(List<String> spaceIDs) {
        return list("spaceID in ?1", spaceIDs);
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof Placement placement && Objects.equals(spaceID, placement.spaceID);
    }

    @Override
    public int hashCode() {
        return Objects.hashCode(spaceID);
    }
}
