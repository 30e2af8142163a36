package io.github.replicachequarkus.sync;

import static io.github.replicachequarkus.testing.Protocol.client;
import static io.github.replicachequarkus.testing.Protocol.mutation;
import static io.github.replicachequarkus.testing.Protocol.pullAs;
import static io.github.replicachequarkus.testing.Protocol.pushAs;
import static io.github.replicachequarkus.testing.Protocol.space;
import static io.github.replicachequarkus.testing.Tokens.bearer;
import static io.github.replicachequarkus.testing.Tokens.token;
import static org.hamcrest.Matchers.is;

import java.util.HashMap;
import java.util.Map;

import org.junit.jupiter.api.Test;

import io.github.replicachequarkus.testing.AuthModes;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.response.Response;

/** One user pushes at a bounded rate, whatever space it pushes to; other users are not held back by it. */
@QuarkusTest
@TestProfile(PushRateTest.Slow.class)
class PushRateTest {

    public static class Slow implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            Map<String, String> config = new HashMap<>();
            config.put("replicache.sync.max-pushes-per-user-per-second", "1");
            config.put("replicache.sync.push-burst-per-user", "3");
            return AuthModes.tokenMode(config);
        }
    }

    @Test
    void aUserBeyondItsRateGets429AndChangesNothing() {
        String flooder = bearer(token("flooder", Map.of("t-*", "rw")));
        String clientID = client();
        String space = space();
        for (int id = 1; id <= 3; id++) {
            push(space(), flooder, mutation(client(), 1, "increment", "n")).then().statusCode(200); // the burst
        }
        push(space, flooder, mutation(clientID, 1, "increment", "n")).then().statusCode(429)
                .body("error", is("TooManyPushes"));
        push(space, bearer(token("someone-else", Map.of("t-*", "rw"))), mutation(client(), 1, "increment", "n")).then()
                .statusCode(200);
        pull(space, flooder).then().statusCode(200).body("lastMutationIDChanges." + clientID, is((Object) null));
    }

    @SafeVarargs
    private static Response push(String space, String auth, Map<String, Object>... mutations) {
        return pushAs(auth, space, "g-" + client(), mutations);
    }

    private static Response pull(String space, String auth) {
        return pullAs(auth, space, "g-" + client(), null);
    }
}
