package io.github.replicachequarkus.routing;

import java.time.Instant;
import java.util.List;
import java.util.Objects;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;

import io.quarkus.hibernate.orm.panache.PanacheEntityBase;

/** A machine of the deployment, as it last told the database. */
@Entity
@Table(name = "machine")
public class Machine extends PanacheEntityBase {

    @Id
    public String id;

    public String app;

    public String region;

    @Column(name = "heartbeat_at")
    public Instant heartbeatAt;

    public boolean draining;

    /** The machines of the app that may take rooms: a fresh heartbeat, and not draining. */
    public static List<Machine> live(String app, Instant heartbeatSince) {
        return list("app = ?1 and heartbeatAt > ?2 and draining = false", app, heartbeatSince);
    }

    /** Registers the machine, or tells it is alive (and not draining) again. */
    public static void heartbeat(String id, String app, String region) {
        getEntityManager().createNativeQuery("""
                INSERT INTO machine (id, app, region) VALUES (?1, ?2, ?3)
                ON CONFLICT (id) DO UPDATE SET app = excluded.app, region = excluded.region, heartbeat_at = now(),
                    draining = false""")
                .setParameter(1, id).setParameter(2, app).setParameter(3, region).executeUpdate();
    }

    public boolean isLive(Instant heartbeatSince) {
        return !draining && heartbeatAt.isAfter(heartbeatSince);
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof Machine machine && Objects.equals(id, machine.id);
    }

    @Override
    public int hashCode() {
        return Objects.hashCode(id);
    }
}
