package io.github.replicachequarkus.sync;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.transaction.Transactional;

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

    /** The space locked for update, created first when allowed. Call inside a transaction. */
    static Space lockOrCreate(String spaceID, boolean create) {
        Space space = Space.lock(spaceID);
        if (space == null) {
            if (!create) {
                throw new InvalidRequestException(404, "SpaceNotFound", "space " + spaceID + " does not exist");
            }
            Space.create(spaceID);
            space = Space.lock(spaceID);
        }
        return space;
    }
}
