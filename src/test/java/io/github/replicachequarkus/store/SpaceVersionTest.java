package io.github.replicachequarkus.store;

import static io.github.replicachequarkus.testing.Protocol.space;
import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.test.junit.QuarkusTest;

/** A space's version and purge mark only move forward, whatever a transaction read before writing. */
@QuarkusTest
class SpaceVersionTest {

    @Test
    void raisingTheVersionNeverLowersIt() {
        String id = space();
        QuarkusTransaction.requiringNew().run(() -> Space.create(id));
        assertEquals(7, QuarkusTransaction.requiringNew().call(() -> Space.raiseVersion(id, 7)));
        assertEquals(7, QuarkusTransaction.requiringNew().call(() -> Space.raiseVersion(id, 3)), "not lowered");
        assertEquals(7, QuarkusTransaction.requiringNew().call(() -> Space.raiseVersion(id, 7)));
        assertEquals(-1, QuarkusTransaction.requiringNew().call(() -> Space.raiseVersion(space(), 1)), "no such space");
    }

    @Test
    void anEntityThatReadAnOldVersionWritesNothingBack() {
        String id = space();
        QuarkusTransaction.requiringNew().run(() -> {
            Space.create(id);
            Space.raiseVersion(id, 5);
        });
        QuarkusTransaction.requiringNew().run(() -> {
            Space space = Space.findById(id);
            assertEquals(5, space.version);
            // Another transaction moves the space on while this one holds what it read.
            QuarkusTransaction.requiringNew().run(() -> {
                Space.raiseVersion(id, 9);
                Space.getEntityManager().createNativeQuery("UPDATE space SET purged_version = 4 WHERE id = ?1")
                        .setParameter(1, id).executeUpdate();
            });
            space.version = 6; // one above what it read: flushed at commit, it would take the version back
            space.purgedVersion = 1;
        });
        Space stored = QuarkusTransaction.requiringNew().call(() -> Space.findById(id));
        assertEquals(9, stored.version);
        assertEquals(4, stored.purgedVersion);
    }
}
