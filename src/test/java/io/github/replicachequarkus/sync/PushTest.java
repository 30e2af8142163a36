package io.github.replicachequarkus.sync;

import static io.github.replicachequarkus.testing.Protocol.client;
import static io.github.replicachequarkus.testing.Protocol.mutation;
import static io.github.replicachequarkus.testing.Protocol.pullOk;
import static io.github.replicachequarkus.testing.Protocol.push;
import static io.github.replicachequarkus.testing.Protocol.pushOk;
import static io.github.replicachequarkus.testing.Protocol.space;
import static io.github.replicachequarkus.testing.Protocol.state;
import static io.github.replicachequarkus.testing.Protocol.version;
import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.is;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.Set;

import org.junit.jupiter.api.Test;

import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;

@QuarkusTest
class PushTest {

    @Test
    void pushedTodosArePulledWithTheirClientsLastMutationID() {
        String c1 = client();
        String space = space();
        pushOk(space, "g1",
                mutation(c1, 1, "createTodo", Map.of("id", "a", "text", "first", "completed", false)),
                mutation(c1, 2, "createTodo", Map.of("id", "b", "text", "second", "completed", false)),
                mutation(c1, 3, "updateTodo", Map.of("id", "a", "completed", true)),
                mutation(c1, 4, "deleteTodo", "b"));

        JsonPath pulled = pullOk(space, "g1", null);
        assertEquals(1, pulled.getLong("cookie"), "one push, one version");
        assertEquals(Map.of(c1, 4), pulled.getMap("lastMutationIDChanges"));
        assertEquals(Map.of("a", Map.of("id", "a", "text", "first", "completed", true, "sort", 1)), state(space));
    }

    @Test
    void createdTodosGetSortOneAboveTheLargest() {
        String c1 = client();
        String c2 = client();
        String space = space();
        pushOk(space, "g1", mutation(c1, 1, "createTodo", Map.of("id", "a", "text", "x", "completed", false)),
                mutation(c1, 2, "updateTodo", Map.of("id", "a", "sort", 41)));
        pushOk(space, "g2", mutation(c2, 1, "createTodo", Map.of("id", "b", "text", "y", "completed", false)));

        assertEquals(42, ((Map<?, ?>) state(space).get("b")).get("sort"));
    }

    @Test
    void aTodoCreatedWithASortKeepsIt() {
        String c1 = client();
        String space = space();
        pushOk(space, "g1", mutation(c1, 1, "createTodo", Map.of("id", "a", "text", "x", "completed", false, "sort", 7.5)),
                mutation(c1, 2, "createTodo", Map.of("id", "b", "text", "y", "completed", false)),
                mutation(c1, 3, "createTodo", Map.of("id", "c", "text", "z", "completed", false, "sort", "high")));

        assertEquals(7.5f, ((Map<?, ?>) state(space).get("a")).get("sort"));
        assertEquals(8.5f, ((Map<?, ?>) state(space).get("b")).get("sort"), "one above the largest given");
        assertEquals(Set.of("a", "b"), state(space).keySet(), "a sort that is not a number fails the mutation");
    }

    @Test
    void updatingADeletedTodoLeavesItDeleted() {
        String c1 = client();
        String space = space();
        pushOk(space, "g1", mutation(c1, 1, "createTodo", Map.of("id", "a", "text", "x", "completed", false)),
                mutation(c1, 2, "deleteTodo", "a"),
                mutation(c1, 3, "updateTodo", Map.of("id", "a", "text", "resurrected?")));

        assertEquals(Map.of(), state(space));
        assertEquals(Map.of(c1, 3), pullOk(space, "g1", null).getMap("lastMutationIDChanges"));
    }

    @Test
    void keysReadAheadForABatchSeeStoredRowsTombstonesAndMissingKeys() {
        String c1 = client();
        String space = space();
        pushOk(space, "g1", mutation(c1, 1, "createTodo", Map.of("id", "a", "text", "x", "completed", false)),
                mutation(c1, 2, "createTodo", Map.of("id", "b", "text", "y", "completed", false)),
                mutation(c1, 3, "createTodo", Map.of("id", "gone", "text", "z", "completed", false)));
        pushOk(space, "g1", mutation(c1, 4, "deleteTodo", "gone"));

        // updateTodo and deleteTodo name their keys, which are read for the push before any mutator runs: a stored
        // todo, a tombstone and a key that was never stored.
        pushOk(space, "g1", mutation(c1, 5, "updateTodo", Map.of("id", "a", "completed", true)),
                mutation(c1, 6, "deleteTodo", "b"),
                mutation(c1, 7, "updateTodo", Map.of("id", "gone", "text", "back?")),
                mutation(c1, 8, "updateTodo", Map.of("id", "never", "text", "new?")),
                mutation(c1, 9, "deleteTodo", "never"),
                mutation(c1, 10, "updateTodo", Map.of("id", "b", "text", "deleted just before")));

        List<Map<String, Object>> patch = pullOk(space, "g1", 1).getList("patch");
        assertEquals(3, patch.size(), "the never stored key leaves no tombstone: " + patch);
        assertTrue(patch.contains(Map.of("op", "put", "key", "a", "value",
                Map.of("id", "a", "text", "x", "completed", true, "sort", 1))));
        assertTrue(patch.contains(Map.of("op", "del", "key", "b")));
        assertTrue(patch.contains(Map.of("op", "del", "key", "gone")));
    }

    @Test
    void replayedPushIsSkippedAndBumpsNothing() {
        String c1 = client();
        String space = space();
        var create = mutation(c1, 1, "increment", "n");
        pushOk(space, "g1", create);
        long version = version(space);

        pushOk(space, "g1", create);
        pushOk(space, "g1", create);

        assertEquals(version, version(space), "a push that applies nothing commits no version");
        assertEquals(1, state(space).get("n"));
    }

    @Test
    void aGapStopsThatClientUntilTheMissingMutationArrives() {
        String c1 = client();
        String c2 = client();
        String space = space();
        pushOk(space, "g1", mutation(c1, 1, "increment", "n"), mutation(c1, 3, "increment", "n"),
                mutation(c2, 1, "increment", "m"));
        assertEquals(Map.of(c1, 1, c2, 1), pullOk(space, "g1", null).getMap("lastMutationIDChanges"));
        assertEquals(1, state(space).get("n"));

        pushOk(space, "g1", mutation(c1, 2, "increment", "n"), mutation(c1, 3, "increment", "n"));
        assertEquals(3, state(space).get("n"));
    }

    @Test
    void aFailingMutatorLeavesNoPartialWritesButStillAdvances() {
        String c1 = client();
        String space = space();
        pushOk(space, "g1", mutation(c1, 1, "put", Map.of("key", "keep", "value", "kept")),
                mutation(c1, 2, "writeThenFail", "x"),
                mutation(c1, 3, "increment", "n"));

        assertEquals(Map.of("keep", "kept", "n", 1), state(space));
        assertEquals(Map.of(c1, 3), pullOk(space, "g1", null).getMap("lastMutationIDChanges"));
    }

    @Test
    void unknownMutatorsAndBadArgsFailOnlyTheirMutation() {
        String c1 = client();
        String space = space();
        pushOk(space, "g1", mutation(c1, 1, "noSuchMutator", Map.of()),
                mutation(c1, 2, "createTodo", "not an object"),
                mutation(c1, 3, "createTodo", Map.of("id", 5, "text", "id of the wrong type")),
                mutation(c1, 4, "createTodo", Map.of("text", "no id")),
                mutation(c1, 5, "deleteTodo", null),
                mutation(c1, 6, "updateTodo", Map.of("id", "a", "completed", "yes")),
                mutation(c1, 7, "increment", "n"));

        assertEquals(Map.of("n", 1), state(space));
        assertEquals(Map.of(c1, 7), pullOk(space, "g1", null).getMap("lastMutationIDChanges"));
    }

    @Test
    void aMutatorOnlyFailingStillCommitsAVersion() {
        String c1 = client();
        String space = space();
        long before = version(space);
        pushOk(space, "g1", mutation(c1, 1, "noSuchMutator", Map.of()));

        JsonPath pulled = pullOk(space, "g1", before);
        assertEquals(before + 1, pulled.getLong("cookie"));
        assertEquals(Map.of(c1, 1), pulled.getMap("lastMutationIDChanges"));
    }

    @Test
    void pushFromAnotherClientGroupIsRejectedAndChangesNothing() {
        String c1 = client();
        String c9 = client();
        String space = space();
        pushOk(space, "g1", mutation(c1, 1, "increment", "n"));
        long version = version(space);

        push(space, "g2", mutation(c9, 1, "increment", "n"), mutation(c1, 2, "increment", "n"))
                .then().statusCode(400).body("error", is("ClientNotInGroup")).body("message", containsString(c1));

        assertEquals(version, version(space));
        assertEquals(Map.of("n", 1), state(space));
        assertEquals(Map.of(), pullOk(space, "g2", null).getMap("lastMutationIDChanges"), "c9 was not created");
    }

    @Test
    void aClientIdOfAnotherSpaceIsANewClientHere() {
        String c1 = client();
        String first = space();
        String second = space();
        pushOk(first, "g1", mutation(c1, 1, "increment", "n"), mutation(c1, 2, "increment", "n"));

        push(second, "g1", mutation(c1, 2, "increment", "n")).then().statusCode(200);
        assertEquals(Map.of(), state(second), "mutation 2 of a client new to the space is a gap: nothing applied");
        pushOk(second, "g1", mutation(c1, 1, "increment", "n"));
        assertEquals(Map.of("n", 1), state(second));
        assertEquals(Map.of(c1, 1), pullOk(second, "g1", null).getMap("lastMutationIDChanges"));
        assertEquals(Map.of(c1, 2), pullOk(first, "g1", null).getMap("lastMutationIDChanges"));
    }

    @Test
    void mutatorsScanTheirPrefixInKeyOrderWithTheirOwnWrites() {
        String c1 = client();
        String space = space();
        pushOk(space, "g1", mutation(c1, 1, "put", Map.of("key", "p/b", "value", 1)),
                mutation(c1, 2, "put", Map.of("key", "p/a", "value", 2)),
                mutation(c1, 3, "put", Map.of("key", "q/a", "value", 3)),
                mutation(c1, 4, "put", Map.of("key", "p%_", "value", 4)),
                mutation(c1, 5, "scan", "p/"));

        assertEquals(List.of("p/a", "p/b", "p/zz-own-write"), state(space).get("scanned/p/"));
    }

    @Test
    void mutatorWritesOverTheSizeLimitsFailThatMutation() {
        String c1 = client();
        String space = space();
        pushOk(space, "g1", mutation(c1, 1, "put", Map.of("key", "k".repeat(1025), "value", 1)),
                mutation(c1, 2, "put", Map.of("key", "big", "value", "v".repeat(1024 * 1024))),
                mutation(c1, 3, "put", Map.of("key", "", "value", 1)),
                mutation(c1, 4, "put", Map.of("key", "ok", "value", "v".repeat(1000))));

        assertEquals(Map.of("ok", "v".repeat(1000)), state(space));
    }

    @Test
    void keysAndValuesThatCannotBeStoredFailOnlyTheirMutation() {
        String c1 = client();
        String space = space();
        // PostgreSQL text holds no NUL, and the driver writes an unpaired surrogate as '?' (the second key would be "lone?").
        String body = """
                {"pushVersion":1,"clientGroupID":"g1","mutations":[
                 {"clientID":"C","id":1,"name":"put","args":{"key":"nul\\u0000key","value":1}},
                 {"clientID":"C","id":2,"name":"put","args":{"key":"lone\\ud800","value":2}},
                 {"clientID":"C","id":3,"name":"put","args":{"key":"ok","value":"lone\\udc00"}},
                 {"clientID":"C","id":4,"name":"updateTodo","args":{"id":"nul\\u0000id","completed":true}},
                 {"clientID":"C","id":5,"name":"scan","args":"nul\\u0000"},
                 {"clientID":"C","id":6,"name":"put","args":{"key":"lone?","value":6}}]}""".replace("\"C\"", "\"" + c1 + "\"");
        given().contentType(ContentType.JSON).queryParam("spaceID", space).body(body).post("/api/replicache/push")
                .then().statusCode(200);

        assertEquals(Map.of("lone?", 6), state(space));
        assertEquals(Map.of(c1, 6), pullOk(space, "g1", null).getMap("lastMutationIDChanges"));
    }

    @Test
    void aPushWhoseTransactionFailsLeavesNothingBehind() {
        String c1 = client();
        String space = "rollback-" + space();
        push(space, "g1", mutation(c1, 1, "increment", "n")).then().statusCode(500)
                .body("error", is("InternalError")).body("message", is("the server failed to handle the request"));

        JsonPath pulled = pullOk(space, "g1", null);
        assertEquals(0, pulled.getLong("cookie"));
        assertEquals(Map.of(), pulled.getMap("lastMutationIDChanges"));
        assertNull(state(space).get("n"));
    }

    @Test
    void anEmptyPushIsFine() {
        String space = space();
        pushOk(space, "g1");
        assertFalse(pullOk(space, "g1", null).getList("patch").isEmpty(), "a pull still answers with clear");
    }
}
