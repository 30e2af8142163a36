package io.github.replicachequarkus.auth;

import static io.github.replicachequarkus.testing.Protocol.client;
import static io.github.replicachequarkus.testing.Protocol.mutation;
import static io.github.replicachequarkus.testing.Protocol.pushBody;
import static io.github.replicachequarkus.testing.Protocol.space;
import static io.github.replicachequarkus.testing.Tokens.bearer;
import static io.github.replicachequarkus.testing.Tokens.token;
import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.net.URI;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import io.github.replicachequarkus.testing.AuthModes;
import io.github.replicachequarkus.testing.TestSocket;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.http.ContentType;
import io.restassured.response.Response;

/**
 * A client group is its first user's: another writer of the same space cannot push as one of its clients (and so
 * cannot make the server drop the real client's mutations as replays), nor pull or say hello with it.
 */
@QuarkusTest
@TestProfile(AuthModes.TokenProfile.class)
class ClientGroupOwnerTest {

    @TestHTTPResource("/")
    URI base;

    @Test
    void anotherUsersGroupIsRefusedAndItsClientsMutationsAreNotTakenAsReplays() {
        String space = space();
        String alice = bearer(token("alice", Map.of(space, "rw")));
        String bob = bearer(token("bob", Map.of(space, "rw")));
        String group = "g-" + client();
        String victim = client();
        push(space, alice, group, mutation(victim, 1, "increment", "n")).then().statusCode(200);

        push(space, bob, group, mutation(victim, 2, "increment", "n")).then().statusCode(403);
        push(space, bob, group, mutation(client(), 1, "increment", "n")).then().statusCode(403);
        push(space, alice, group, mutation(victim, 2, "increment", "n")).then().statusCode(200);

        Map<String, Object> pulled = pull(space, alice, group).then().statusCode(200).extract().jsonPath()
                .getMap("lastMutationIDChanges");
        assertEquals(2, pulled.get(victim), "the victim's own second mutation was applied, not skipped");
        assertEquals(2, pull(space, alice, "g-" + client()).then().extract().jsonPath().getInt("patch[1].value"),
                "n counts the victim's two increments and nothing of bob's");
    }

    @Test
    void anotherUserCannotPullOrSayHelloWithAGroup() {
        String space = space();
        String alice = bearer(token("alice", Map.of(space, "rw")));
        String group = "g-" + client();
        push(space, alice, group, mutation(client(), 1, "increment", "n")).then().statusCode(200);

        pull(space, bearer(token("bob", Map.of(space, "rw"))), group).then().statusCode(403);
        pull(space, bearer(token("carol", Map.of(space, "r"))), group).then().statusCode(403);
        try (TestSocket socket = TestSocket.open(base, space)) {
            Map<String, Object> hello = new HashMap<>();
            hello.put("messageType", "hello");
            hello.put("clientID", client());
            hello.put("clientGroupID", group);
            hello.put("cookie", null);
            hello.put("auth", token("bob", Map.of(space, "rw")));
            socket.send(hello);
            assertEquals(4403, socket.closeCode());
        }
        pull(space, alice, group).then().statusCode(200);
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
        return given().contentType(ContentType.JSON).header("Authorization", auth).queryParam("spaceID", space)
                .body(body).post("/api/replicache/pull");
    }
}
