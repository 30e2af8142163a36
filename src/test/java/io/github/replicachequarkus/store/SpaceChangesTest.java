package io.github.replicachequarkus.store;

import static io.github.replicachequarkus.testing.Protocol.client;
import static io.github.replicachequarkus.testing.Protocol.mutation;
import static io.github.replicachequarkus.testing.Protocol.pushOk;
import static io.github.replicachequarkus.testing.Protocol.space;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

import org.junit.jupiter.api.Test;

import io.github.replicachequarkus.testing.Protocol;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.test.junit.QuarkusTest;

/**
 * What a room's broadcast pass reads after a change, in one statement: the entries (tombstones too) and the clients of
 * every group changed after a version, nothing from before it or from before a purge, and a deleted or unknown space as
 * such.
 */
@QuarkusTest
class SpaceChangesTest {

    @Test
    void theEntriesAndClientsChangedAfterTheVersionWithTheirVersions() {
        String space = space();
        String c1 = client();
        String c2 = client();
        pushOk(space, "g1", mutation(c1, 1, "put", Map.of("key", "a", "value", 1)));
        long base = Protocol.version(space);
        pushOk(space, "g1", mutation(c1, 2, "put", Map.of("key", "b", "value", "two")));
        pushOk(space, "g2", mutation(c2, 1, "remove", "a"));
        long version = Protocol.version(space);

        Space.Changes changes = changesAfter(space, base);
        assertTrue(changes.exists());
        assertFalse(changes.deleted());
        assertEquals(version, changes.version());
        assertEquals(base, changes.from());
        assertEquals(Set.of(new Entry.Versioned("a", null, true, version), new Entry.Versioned("b", "\"two\"", false,
                version - 1)), Set.copyOf(changes.entries()), "a tombstone, and a put with its JSON");
        assertEquals(Map.of(c1, 2L, c2, 1L), changes.clients().stream()
                .collect(Collectors.toMap(ClientRecord.Versioned::clientID, ClientRecord.Versioned::lastMutationID)),
                "every group's clients");

        Space.Changes none = changesAfter(space, version);
        assertEquals(version, none.version());
        assertEquals(List.of(), none.entries());
        assertEquals(List.of(), none.clients());
    }

    @Test
    void changesPurgedOfTheirTombstonesStartAtThePurge() {
        String space = space();
        String c1 = client();
        pushOk(space, "g1", mutation(c1, 1, "put", Map.of("key", "a", "value", 1)));
        pushOk(space, "g1", mutation(c1, 2, "put", Map.of("key", "b", "value", 2)));
        long purged = Protocol.version(space);
        pushOk(space, "g1", mutation(c1, 3, "put", Map.of("key", "c", "value", 3)));
        QuarkusTransaction.requiringNew().run(() -> Space.getEntityManager()
                .createNativeQuery("UPDATE space SET purged_version = ?2 WHERE id = ?1").setParameter(1, space)
                .setParameter(2, purged).executeUpdate());

        Space.Changes changes = changesAfter(space, 0);
        assertEquals(purged, changes.from());
        assertEquals(List.of("c"), changes.entries().stream().map(Entry.Versioned::key).toList());
    }

    @Test
    void aDeletedSpaceReadsAsDeletedAndAnUnknownOneAsAbsent() {
        String space = space();
        pushOk(space, "g1", mutation(client(), 1, "put", Map.of("key", "a", "value", 1)));
        QuarkusTransaction.requiringNew().run(() -> Space.delete(space, Outbox.OFF));

        Space.Changes deleted = changesAfter(space, 0);
        assertTrue(deleted.deleted());
        assertEquals(List.of(), deleted.entries());
        assertEquals(List.of(), deleted.clients());

        Space.Changes unknown = changesAfter(space(), 0);
        assertFalse(unknown.exists());
        assertEquals(List.of(), unknown.entries());
    }

    private static Space.Changes changesAfter(String space, long version) {
        return QuarkusTransaction.requiringNew().call(() -> Space.changesAfter(space, version));
    }
}
