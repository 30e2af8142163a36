package io.github.replicachequarkus.sync;

import static io.github.replicachequarkus.testing.Protocol.client;
import static io.github.replicachequarkus.testing.Protocol.mutation;
import static io.github.replicachequarkus.testing.Protocol.pushBody;
import static io.github.replicachequarkus.testing.Protocol.space;
import static io.github.replicachequarkus.testing.Tokens.bearer;
import static io.github.replicachequarkus.testing.Tokens.token;
import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.is;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import io.github.replicachequarkus.testing.AuthModes;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.http.ContentType;
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

        push(a, alice, group, mutation(shared, 1, "increment", "n"), mutation(shared, 2, "increment", "n"),
                mutation(shared, 3, "increment", "n")).then().statusCode(200).body("size()", is(0));
        push(b, bob, group, mutation(shared, 1, "increment", "n")).then().statusCode(200).body("size()", is(0));

        assertPulled(b, bob, group, Map.of(shared, 1), 1);
        assertPulled(a, alice, group, Map.of(shared, 3), 3);

        push(b, bob, group, mutation(shared, 2, "increment", "n")).then().statusCode(200);
        push(a, alice, group, mutation(shared, 4, "increment", "n")).then().statusCode(200);
        push(b, bob, group, mutation(shared, 3, "increment", "n")).then().statusCode(200);

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
        push(a, alice, "g-alice", mutation(used, 1, "increment", "n")).then().statusCode(200);

        // Mutation 2 of a client new to the space: a gap, so nothing is applied, whoever uses the id elsewhere.
        Response withUsed = push(b, bob, "g-bob", mutation(used, 2, "increment", "n"));
        Response withUnused = push(b, bob, "g-bob", mutation(unused, 2, "increment", "n"));
        assertEquals(withUnused.statusCode(), withUsed.statusCode());
        assertEquals(withUnused.asString(), withUsed.asString());
        JsonPath pulled = pull(b, bob, "g-bob").then().statusCode(200).extract().jsonPath();
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
        push(a, alice, "g1", mutation(c, 1, "increment", "n")).then().statusCode(200);

        push(a, alice, "g2", mutation(client(), 1, "increment", "n"), mutation(c, 2, "increment", "n"))
                .then().statusCode(400).body("error", is("ClientNotInGroup")).body("message", containsString(c));
        assertPulled(a, alice, "g1", Map.of(c, 1), 1);
        assertEquals(Map.of(), pull(a, alice, "g2").then().statusCode(200).extract().jsonPath()
                .getMap("lastMutationIDChanges"), "the refused push created no client");

        // The id stays g1's in A, and is free in B for any of Bob's groups.
        push(b, bob, "g2", mutation(c, 1, "increment", "n")).then().statusCode(200);
        assertPulled(b, bob, "g2", Map.of(c, 1), 1);
    }

    /** A whole-state pull of the group: its clients' last mutation ids, and the counter {@code n}. */
    private static void assertPulled(String space, String auth, String group, Map<String, Integer> lastMutationIDs,
            int n) {
        JsonPath pulled = pull(space, auth, group).then().statusCode(200).extract().jsonPath();
        assertEquals(lastMutationIDs, pulled.getMap("lastMutationIDChanges"), space);
        assertEquals(List.of(Map.of("op", "clear"), Map.of("op", "put", "key", "n", "value", n)),
                pulled.getList("patch"), space);
    }

    @SafeVarargs
    private static Response push(String space, String auth, String group, Map<String, Object>... mutations) {
        return given().contentType(ContentType.JSON).header("Authorization", auth).queryParam("spaceID", space)
                .body(pushBody(group, List.of(mutations))).post("/api/replicache/push");
    }

    private static Response pull(String space, String auth, String group) {
        Map<String, Object> body = new HashMap<>();
        body.put("pullVersion", 1);
        body.put("clientGroupID", group);
        body.put("cookie", null);
        body.put("profileID", "p1");
        body.put("schemaVersion", "");
        return given().contentType(ContentType.JSON).header("Authorization", auth).queryParam("spaceID", space)
                .body(body).post("/api/replicache/pull");
    }
}
