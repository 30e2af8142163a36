package io.github.replicachequarkus.auth;

import static io.github.replicachequarkus.testing.Protocol.client;
import static io.github.replicachequarkus.testing.Protocol.mutation;
import static io.github.replicachequarkus.testing.Protocol.pullAs;
import static io.github.replicachequarkus.testing.Protocol.pushAs;
import static io.github.replicachequarkus.testing.Protocol.space;
import static io.github.replicachequarkus.testing.Tokens.bearer;
import static io.github.replicachequarkus.testing.Tokens.token;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.net.URI;
import java.util.HashMap;
import java.util.Map;

import org.junit.jupiter.api.Test;

import io.github.replicachequarkus.testing.AuthModes;
import io.github.replicachequarkus.testing.TestSocket;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;

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
        pushAs(alice, space, group, mutation(victim, 1, "increment", "n")).then().statusCode(200);

        pushAs(bob, space, group, mutation(victim, 2, "increment", "n")).then().statusCode(403);
        pushAs(bob, space, group, mutation(client(), 1, "increment", "n")).then().statusCode(403);
        pushAs(alice, space, group, mutation(victim, 2, "increment", "n")).then().statusCode(200);

        Map<String, Object> pulled = pullAs(alice, space, group, null).then().statusCode(200).extract().jsonPath()
                .getMap("lastMutationIDChanges");
        assertEquals(2, pulled.get(victim), "the victim's own second mutation was applied, not skipped");
        assertEquals(2, pullAs(alice, space, "g-" + client(), null).then().extract().jsonPath().getInt("patch[1].value"),
                "n counts the victim's two increments and nothing of bob's");
    }

    @Test
    void anotherUserCannotPullOrSayHelloWithAGroup() {
        String space = space();
        String alice = bearer(token("alice", Map.of(space, "rw")));
        String group = "g-" + client();
        pushAs(alice, space, group, mutation(client(), 1, "increment", "n")).then().statusCode(200);

        pullAs(bearer(token("bob", Map.of(space, "rw"))), space, group, null).then().statusCode(403);
        pullAs(bearer(token("carol", Map.of(space, "r"))), space, group, null).then().statusCode(403);
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
        pullAs(alice, space, group, null).then().statusCode(200);
    }

}
