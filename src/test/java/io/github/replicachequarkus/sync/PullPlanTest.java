package io.github.replicachequarkus.sync;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

class PullPlanTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    /** Each case: the client's cookie (JSON), the space's version, and the plan. */
    @ParameterizedTest(name = "cookie {0} at version {1}: {2}")
    @CsvSource(delimiter = '|', textBlock = """
            null                   | 0  | Reset 0
            null                   | 7  | Reset 7
            0                      | 7  | Changes 0
            5                      | 7  | Changes 5
            7                      | 7  | Changes 7
            8                      | 7  | Reset 9
            1000                   | 7  | Reset 1001
            -1                     | 7  | Reset 7
            2.5                    | 7  | Reset 7
            7.5                    | 7  | Reset 8
            9007199254740991       | 7  | ClientStateNotFound
            1e300                  | 7  | ClientStateNotFound
            '"5"'                  | 7  | Reset 7
            '"7"'                  | 7  | Reset 8
            '"9"'                  | 7  | Reset 90
            '"9"'                  | 95 | Reset 95
            '"99"'                 | 7  | Reset 990
            '"0"'                  | 0  | Reset 1
            '"05"'                 | 0  | Reset 1
            '""'                   | 3  | Reset 3
            '"abc"'                | 7  | ClientStateNotFound
            '"12345678901234567"'  | 7  | Reset 7
            '"99999999999999999"'  | 7  | ClientStateNotFound
            '"7659076524520935"'   | 1245 | Reset 7660
            '"90071992547409910"'  | 7  | Reset 91
            '"1a"'                 | 1245 | Reset 2000
            '"9a"'                 | 7  | ClientStateNotFound
            '"10"'                 | 10 | Reset 11
            '"55843"'              | 10 | Reset 56
            '{"order": 3}'         | 7  | Reset 7
            '{"order": 12}'        | 7  | Reset 13
            '{"order": "9"}'       | 7  | Reset 90
            '{"other": 1}'         | 7  | ClientStateNotFound
            '[1]'                  | 7  | ClientStateNotFound
            true                   | 7  | ClientStateNotFound
            """)
    void decidesWhatToSend(String cookie, long version, String expected) throws Exception {
        JsonNode node = JSON.readTree(cookie);
        PullPlan plan = PullPlan.of(node, version);

        String actual = switch (plan) {
            case PullPlan.Changes changes -> "Changes " + changes.fromVersion();
            case PullPlan.Reset reset -> "Reset " + reset.minimumVersion();
            case PullPlan.ClientStateNotFound ignored -> "ClientStateNotFound";
        };
        assertEquals(expected, actual);
        if (plan instanceof PullPlan.Reset reset && !node.isNull()) {
            assertTrue(greaterAsJavaScriptCompares(reset.minimumVersion(), node),
                    "the new cookie " + reset.minimumVersion() + " must be greater than " + cookie);
        }
    }

    /** Replicache's compareCookies: by order for objects; as strings when either side is a string; else by value. */
    private static boolean greaterAsJavaScriptCompares(long issued, JsonNode held) {
        JsonNode value = held.isObject() ? held.get("order") : held;
        if (value.isTextual()) {
            return Long.toString(issued).compareTo(value.textValue()) > 0;
        }
        return issued > value.doubleValue();
    }
}
