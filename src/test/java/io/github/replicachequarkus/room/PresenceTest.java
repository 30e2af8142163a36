package io.github.replicachequarkus.room;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.github.replicachequarkus.room.Presence.Change;
import io.github.replicachequarkus.testing.RandomCases;

class PresenceTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final Presence presence = new Presence();
    private final Object socketA = new Object();
    private final Object socketB = new Object();

    @Test
    void aBurstOfOneClientsUpdatesIsOneChange() {
        for (int x = 0; x < 30; x++) {
            presence.set("c1", "ana", state("x", x), socketA);
        }
        assertEquals(List.of(new Change("c1", "ana", state("x", 29), socketA)), presence.takeChanges());
        assertEquals(List.of(), presence.takeChanges(), "taken changes start afresh");
    }

    @Test
    void theSameStateAgainIsNoChange() {
        presence.set("c1", "ana", state("x", 1), socketA);
        presence.takeChanges();
        assertFalse(presence.set("c1", "ana", state("x", 1), socketA));
        assertFalse(presence.hasChanges());
    }

    @Test
    void clearingAndLeavingTellTheOthersNull() {
        presence.set("c1", "ana", state("x", 1), socketA);
        presence.set("c2", "bo", state("x", 2), socketB);
        presence.takeChanges();

        assertTrue(presence.set("c1", "ana", null, socketA));
        assertTrue(presence.leave("c2", socketB));

        assertEquals(List.of(new Change("c1", "ana", null, socketA), new Change("c2", "bo", null, socketB)),
                presence.takeChanges());
        assertTrue(presence.isEmpty());
        assertFalse(presence.set("c1", "ana", null, socketA), "clearing what is not there tells nobody");
    }

    @Test
    void aSocketThatClosesAfterItsClientReconnectedRemovesNothing() {
        presence.set("c1", "ana", state("x", 1), socketA);
        presence.takeChanges();
        Object reconnected = new Object();
        assertFalse(presence.adopt("c1", "ana", reconnected), "a socket takes over from a socket unseen");

        assertFalse(presence.leave("c1", socketA), "the old socket no longer owns the entry");
        assertEquals(1, presence.present().size());
        assertFalse(presence.hasChanges(), "the others saw no leave and no join");
        assertTrue(presence.leave("c1", reconnected));
    }

    @Test
    void aClientThatMovedHereFromAnotherMachineIsAChangeSoThatEveryMachineLearnsItsOwner() {
        presence.set("c1", "ana", state("x", 1), "machine-b");
        presence.takeChanges();

        assertTrue(presence.adopt("c1", "ana", socketA));
        assertEquals(List.of(new Change("c1", "ana", state("x", 1), socketA)), presence.takeChanges());
        assertFalse(presence.leave("c1", "machine-b"), "the machine it left owns it no more");
        assertEquals(1, presence.present().size());
    }

    @Test
    void anotherMachinesEntryIsItsOwnByIdWhicheverStringHoldsIt() {
        presence.set("c1", "ana", state("x", 1), "machine-b");
        presence.takeChanges();

        assertFalse(presence.leave("c1", "machine-c"));
        assertTrue(presence.leave("c1", new String("machine-b")));
        assertEquals(List.of(new Change("c1", "ana", null, "machine-b")), presence.takeChanges());
    }

    @Test
    void anotherUsersClientIdIsNeitherTakenOverNorOverwritten() {
        presence.set("c1", "ana", state("x", 1), socketA);
        assertFalse(presence.adopt("c1", "eve", socketB));
        assertFalse(presence.set("c1", "eve", state("x", 666), socketB));
        assertEquals(state("x", 1), presence.present().iterator().next().state());
    }

    /**
     * Whatever the order of sets, clears and leaves, a watcher that applies each batch of changes to what it was shown
     * first sees exactly who is present, with their latest state.
     */
    @Test
    void aWatcherApplyingTheChangesAlwaysSeesWhoIsPresent() {
        RandomCases.check("presence changes", 500, random -> {
            Presence table = new Presence();
            Object[] owners = { new Object(), new Object(), new Object() };
            Map<String, JsonNode> seen = new HashMap<>();
            for (int step = 0; step < 200; step++) {
                String client = "c" + random.nextInt(5);
                Object owner = owners[random.nextInt(owners.length)];
                switch (random.nextInt(4)) {
                    case 0, 1 -> table.set(client, "u" + client, state("x", random.nextInt(3)), owner);
                    case 2 -> table.set(client, "u" + client, null, owner);
                    default -> table.leave(client, owner);
                }
                if (random.nextInt(5) == 0) {
                    for (Change change : table.takeChanges()) {
                        if (change.state() == null) {
                            seen.remove(change.clientID());
                        } else {
                            seen.put(change.clientID(), change.state());
                        }
                    }
                    Map<String, JsonNode> actual = new LinkedHashMap<>();
                    table.present().forEach(entry -> actual.put(entry.clientID(), entry.state()));
                    assertEquals(actual, seen);
                }
            }
            List<Change> rest = new ArrayList<>(table.takeChanges());
            assertEquals(rest.stream().map(Change::clientID).distinct().count(), rest.size(),
                    "one change per client at most");
        });
    }

    /**
     * Whatever the order of sets, clears, leaves and takeovers, two moments with one version list the same clients,
     * with the same states, in the same order: a present frame built at a version is right until it changes.
     */
    @Test
    void oneVersionIsOneListOfWhoIsPresent() {
        RandomCases.check("presence versions", 500, random -> {
            Presence table = new Presence();
            Object[] owners = { new Object(), new Object(), "machine-b" };
            Map<Long, List<String>> listed = new HashMap<>();
            for (int step = 0; step < 200; step++) {
                String client = "c" + random.nextInt(5);
                Object owner = owners[random.nextInt(owners.length)];
                switch (random.nextInt(5)) {
                    case 0, 1 -> table.set(client, "u" + client, state("x", random.nextInt(3)), owner);
                    case 2 -> table.set(client, "u" + client, null, owner);
                    case 3 -> table.adopt(client, "u" + client, owner);
                    default -> table.leave(client, owner);
                }
                if (random.nextBoolean()) {
                    table.takeChanges();
                }
                List<String> now = table.present().stream()
                        .map(entry -> entry.clientID() + "/" + entry.userID() + "=" + entry.state()).toList();
                List<String> before = listed.putIfAbsent(table.version(), now);
                if (before != null) {
                    assertEquals(before, now, "version " + table.version());
                }
            }
        });
    }

    private static JsonNode state(String field, int value) {
        return JSON.createObjectNode().put(field, value);
    }
}
