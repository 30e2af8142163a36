package io.github.replicachequarkus.room;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import java.util.stream.Collectors;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import io.github.replicachequarkus.protocol.PullResponse;

class ChangeSetTest {

    /** Changes read from version 2 up to 6: a (v3), b deleted (v5), c (v6); clients of groups g1 and g2. */
    private static final ChangeSet CHANGES = new ChangeSet(2, 6,
            List.of(new ChangeSet.EntryChange("a", "1", false, 3),
                    new ChangeSet.EntryChange("b", null, true, 5),
                    new ChangeSet.EntryChange("c", "{\"x\":true}", false, 6)),
            List.of(new ChangeSet.ClientChange("c1", "g1", 4, 3),
                    new ChangeSet.ClientChange("c2", "g1", 9, 6),
                    new ChangeSet.ClientChange("c3", "g2", 1, 5)));

    @ParameterizedTest(name = "from cookie {0}, group {1}")
    @CsvSource(delimiter = '|', textBlock = """
            2 | g1 | put a 1, del b, put c {"x":true} | c1=4 c2=9
            3 | g1 | del b, put c {"x":true}           | c2=9
            4 | g2 | del b, put c {"x":true}           | c3=1
            5 | g2 | put c {"x":true}                  | ''
            6 | g1 | ''                                | ''
            2 | g3 | put a 1, del b, put c {"x":true} | ''
            """)
    void sendsWhatChangedAfterTheCookieAndOnlyTheGroupsClients(long cookie, String group, String patch,
            String lastMutationIDs) {
        PullResponse response = CHANGES.since(cookie, group);

        assertEquals(6, response.cookie());
        assertEquals(patch, response.patch().stream()
                .map(op -> op.op() + " " + op.key() + (op.value() == null ? "" : " " + op.value()))
                .collect(Collectors.joining(", ")));
        assertEquals(lastMutationIDs, response.lastMutationIDChanges().entrySet().stream()
                .map(entry -> entry.getKey() + "=" + entry.getValue()).collect(Collectors.joining(" ")));
    }

    @ParameterizedTest(name = "from cookie {0}, group {1}: own clients changed {2}")
    @CsvSource(delimiter = '|', textBlock = """
            2 | g1 | true
            5 | g1 | true
            6 | g1 | false
            4 | g2 | true
            5 | g2 | false
            2 | g3 | false
            """)
    void saysWhenAGroupsResponseDiffersFromOthersWithItsCookie(long cookie, String group, boolean own) {
        assertEquals(own, CHANGES.changesClientsOf(cookie, group));
        if (!own) {
            assertEquals(CHANGES.since(cookie, "any other group"), CHANGES.since(cookie, group), "one poke serves both");
        }
    }

    @Test
    void aCookieOlderThanWhatWasReadIsRefused() {
        assertThrows(IllegalArgumentException.class, () -> CHANGES.since(1, "g1"));
    }
}
