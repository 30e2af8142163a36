package io.github.replicachequarkus.store;

import java.io.Serializable;
import java.util.Collection;
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
    public String spaceID;

    @Id
    public String id;

    @Column(name = "client_group_id")
    public String clientGroupID;

    @Column(name = "last_mutation_id")
    public long lastMutationID;

    @Column(name = "last_modified_version")
    public long lastModifiedVersion;

    /** What a pull reports of a client. */
    @RegisterForReflection // Panache's project() reads its constructor by reflection, and Hibernate calls it
    public record MutationID(@ProjectedFieldName("id") String clientID, long lastMutationID) {
    }

    /** A client with its group and the version at which its last mutation id changed. */
    @RegisterForReflection // Panache's project() reads its constructor by reflection, and Hibernate calls it
    public record Versioned(@ProjectedFieldName("id") String clientID, String clientGroupID, long lastMutationID,
            long lastModifiedVersion) {
    }

    /** The clients of the given groups whose last mutation id changed after the version, with their groups. */
    public static List<Versioned> changedAfterInGroups(String spaceID, Collection<String> clientGroupIDs, long version) {
        return find("spaceID = ?1 and clientGroupID in ?2 and lastModifiedVersion > ?3", spaceID, clientGroupIDs, version)
                .project(Versioned.class).list();
    }

    /** The clients of the group whose last mutation id changed after the version. */
    public static List<MutationID> changedAfter(String spaceID, String clientGroupID, long version) {
        return find("spaceID = ?1 and clientGroupID = ?2 and lastModifiedVersion > ?3", spaceID, clientGroupID, version)
                .project(MutationID.class).list();
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof ClientRecord client && Objects.equals(spaceID, client.spaceID)
                && Objects.equals(id, client.id);
    }

    @Override
    public int hashCode() {
        return Objects.hash(spaceID, id);
    }

    /** The composite id: a client id is unique within its space. */
    public record Key(String spaceID, String id) implements Serializable {
    }
}
