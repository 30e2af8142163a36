package io.github.replicachequarkus.sync;

import static io.github.replicachequarkus.testing.Protocol.client;
import static io.github.replicachequarkus.testing.Protocol.mutation;
import static io.github.replicachequarkus.testing.Protocol.pullAs;
import static io.github.replicachequarkus.testing.Protocol.pushAs;
import static io.github.replicachequarkus.testing.Protocol.space;
import static io.github.replicachequarkus.testing.Tokens.bearer;
import static io.github.replicachequarkus.testing.Tokens.token;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.is;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import io.github.replicachequarkus.testing.AuthModes;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.path.json.JsonPath;
import io.restassured.response.Response;

/**
 * A client id is a key within its space. Alice writes space A, Bob writes space B and nothing else: whatever ids Bob
 * sends, his replies tell him nothing of A, and nothing he does there changes A's clients. Within one space a client
 * stays one group's for life.
 */
@QuarkusTest
@TestProfile(AuthModes.TokenProfile.class)
class ClientIdPerSpaceTest {

    @Test
    void theSameClientIdInTwoSpacesIsTwoClientsWithTheirOwnMutationIDs() {
        String a = space();
        String b = space();
        String alice = bearer(token("alice", Map.of(a, "rw")));
        String bob = bearer(token("bob", Map.of(b, "rw")));
        String shared = client();
        String group = "g-" + client(); // the same group id too: a group is also a key within its space

        pushAs(alice, a, group, mutation(shared, 1, "increment", "n"), mutation(shared, 2, "increment", "n"),
                mutation(shared, 3, "increment", "n")).then().statusCode(200).body("size()", is(0));
        pushAs(bob, b, group, mutation(shared, 1, "increment", "n")).then().statusCode(200).body("size()", is(0));

        assertPulled(b, bob, group, Map.of(shared, 1), 1);
        assertPulled(a, alice, group, Map.of(shared, 3), 3);

        pushAs(bob, b, group, mutation(shared, 2, "increment", "n")).then().statusCode(200);
        pushAs(alice, a, group, mutation(shared, 4, "increment", "n")).then().statusCode(200);
        pushAs(bob, b, group, mutation(shared, 3, "increment", "n")).then().statusCode(200);

        assertPulled(b, bob, group, Map.of(shared, 3), 3);
        assertPulled(a, alice, group, Map.of(shared, 4), 4);
    }

    @Test
    void aClientIdBobChoosesInHisSpaceLooksTheSameWhetherOrNotItExistsElsewhere() {
        String a = space();
        String b = space();
        String alice = bearer(token("alice", Map.of(a, "rw")));
        String bob = bearer(token("bob", Map.of(b, "rw")));
        String used = client();
        String unused = client();
        pushAs(alice, a, "g-alice", mutation(used, 1, "increment", "n")).then().statusCode(200);

        // Mutation 2 of a client new to the space: a gap, so nothing is applied, whoever uses the id elsewhere.
        Response withUsed = pushAs(bob, b, "g-bob", mutation(used, 2, "increment", "n"));
        Response withUnused = pushAs(bob, b, "g-bob", mutation(unused, 2, "increment", "n"));
        assertEquals(withUnused.statusCode(), withUsed.statusCode());
        assertEquals(withUnused.asString(), withUsed.asString());
        JsonPath pulled = pullAs(bob, b, "g-bob", null).then().statusCode(200).extract().jsonPath();
        assertEquals(Map.of(), pulled.getMap("lastMutationIDChanges"));
        assertFalse(pulled.prettify().contains(used), "B's pull names nothing of A");

        assertPulled(a, alice, "g-alice", Map.of(used, 1), 1);
    }

    @Test
    void withinOneSpaceAClientOfAnotherGroupIsStillRefused() {
        String a = space();
        String b = space();
        String alice = bearer(token("alice", Map.of(a, "rw")));
        String bob = bearer(token("bob", Map.of(b, "rw")));
        String c = client();
        pushAs(alice, a, "g1", mutation(c, 1, "increment", "n")).then().statusCode(200);

        pushAs(alice, a, "g2", mutation(client(), 1, "increment", "n"), mutation(c, 2, "increment", "n"))
                .then().statusCode(400).body("error", is("ClientNotInGroup")).body("message", containsString(c));
        assertPulled(a, alice, "g1", Map.of(c, 1), 1);
        assertEquals(Map.of(), pullAs(alice, a, "g2", null).then().statusCode(200).extract().jsonPath()
                .getMap("lastMutationIDChanges"), "the refused push created no client");

        // The id stays g1's in A, and is free in B for any of Bob's groups.
        pushAs(bob, b, "g2", mutation(c, 1, "increment", "n")).then().statusCode(200);
        assertPulled(b, bob, "g2", Map.of(c, 1), 1);
    }

    /** A whole-state pull of the group: its clients' last mutation ids, and the counter {@code n}. */
    private static void assertPulled(String space, String auth, String group, Map<String, Integer> lastMutationIDs,
            int n) {
        JsonPath pulled = pullAs(auth, space, group, null).then().statusCode(200).extract().jsonPath();
        assertEquals(lastMutationIDs, pulled.getMap("lastMutationIDChanges"), space);
        assertEquals(List.of(Map.of("op", "clear"), Map.of("op", "put", "key", "n", "value", n)),
                pulled.getList("patch"), space);
    }

}
