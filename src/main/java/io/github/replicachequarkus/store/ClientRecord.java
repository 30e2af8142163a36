package io.github.replicachequarkus.store;

import java.io.Serializable;
import java.util.List;
import java.util.Objects;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.IdClass;
import jakarta.persistence.Table;

import io.quarkus.hibernate.orm.panache.PanacheEntityBase;
import io.quarkus.hibernate.orm.panache.common.ProjectedFieldName;
import io.quarkus.runtime.annotations.RegisterForReflection;

/**
 * What the server knows of one Replicache client (a browser tab) in one space: its group, the last of its mutations
 * that was processed, and the space version at which that last changed. A client id is a key within its space only:
 * the same id in another space is another client, of which nothing here tells.
 */
@Entity
@Table(name = "client")
@IdClass(ClientRecord.Key.class)
public class ClientRecord extends PanacheEntityBase {

    @Id
    @Column(name = "space_id")
    public String spaceId;

    @Id
    public String id;

    @Column(name = "client_group_id")
    public String clientGroupId;

    @Column(name = "last_mutation_id")
    public long lastMutationId;

    @Column(name = "last_modified_version")
    public long lastModifiedVersion;

    /** What a pull reports of a client. */
    @RegisterForReflection // Panache's project() reads its constructor by reflection, and Hibernate calls it
    public record MutationID(@ProjectedFieldName("id") String clientId, long lastMutationId) {
    }

    /** A client with its group and the version at which its last mutation id changed. */
    @RegisterForReflection // Panache's project() reads its constructor by reflection, and Hibernate calls it
    public record Versioned(@ProjectedFieldName("id") String clientId, String clientGroupId, long lastMutationId,
            long lastModifiedVersion) {
    }

    /** The clients of every group whose last mutation id changed after the version. */
    public static List<Versioned> allChangedAfter(String spaceId, long version) {
        return find("spaceId = ?1 and lastModifiedVersion > ?2", spaceId, version).project(Versioned.class).list();
    }

    /** The clients of the group whose last mutation id changed after the version. */
    public static List<MutationID> changedAfter(String spaceId, String clientGroupId, long version) {
        return find("spaceId = ?1 and clientGroupId = ?2 and lastModifiedVersion > ?3", spaceId, clientGroupId, version)
                .project(MutationID.class).list();
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof ClientRecord client && Objects.equals(spaceId, client.spaceId)
                && Objects.equals(id, client.id);
    }

    @Override
    public int hashCode() {
        return Objects.hash(spaceId, id);
    }

    /** The composite id: a client id is unique within its space. */
    public record Key(String spaceId, String id) implements Serializable {
    }
}
