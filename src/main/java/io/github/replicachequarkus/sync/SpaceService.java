package io.github.replicachequarkus.sync;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.transaction.Transactional;

import io.github.replicachequarkus.protocol.SpaceId;
import io.github.replicachequarkus.store.Space;

/** Spaces themselves: creating them, and telling whether one exists. */
@ApplicationScoped
public class SpaceService {

    /** Creates the space (a random id when none is given); creating one that exists is fine. */
    @Transactional
    public String create(String spaceID) {
        String id = spaceID == null ? SpaceId.random() : SpaceId.require(spaceID);
        Space.create(id);
        return id;
    }

    @Transactional
    public boolean exists(String spaceID) {
        return Space.exists(SpaceId.require(spaceID));
    }
}
