package io.github.replicachequarkus.sync;

import static io.github.replicachequarkus.testing.Protocol.client;
import static io.github.replicachequarkus.testing.Protocol.mutation;
import static io.github.replicachequarkus.testing.Protocol.push;
import static io.github.replicachequarkus.testing.Protocol.pushOk;
import static io.github.replicachequarkus.testing.Protocol.space;
import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.is;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.net.URI;
import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.Test;

import io.github.replicachequarkus.testing.PokeListener;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;

/** The SSE poke stream: a poke after every committed change of the space, and only then. */
@QuarkusTest
class PokeStreamTest {

    @TestHTTPResource("/")
    URI base;

    private List<String> listen(String spaceID) {
        return PokeListener.listen(base, spaceID);
    }

    @Test
    void aCommittedPushPokesTheSpacesListenersOnly() {
        String space = space();
        String other = space();
        List<String> listener = listen(space);
        List<String> otherListener = listen(other);

        pushOk(space, "g1", mutation(client(), 1, "increment", "n"));

        await().atMost(Duration.ofSeconds(10)).until(() -> listener.contains("poke"));
        assertEquals(List.of("hello"), otherListener, "another space hears nothing");
    }

    @Test
    void aPushThatRollsBackOrChangesNothingPokesNobody() throws Exception {
        String failing = "rollback-" + space();
        String space = space();
        String clientID = client();
        pushOk(space, "g1", mutation(clientID, 1, "increment", "n"));
        List<String> failingListener = listen(failing);
        List<String> listener = listen(space);

        push(failing, "g1", mutation(client(), 1, "increment", "n")).then().statusCode(500);
        pushOk(space, "g1", mutation(clientID, 1, "increment", "n")); // a replay: nothing to commit
        push(space, "g2", mutation(clientID, 2, "increment", "n")).then().statusCode(400); // foreign client
        String marker = space();
        List<String> markerListener = listen(marker);
        pushOk(marker, "g1", mutation(client(), 1, "increment", "n"));
        await().atMost(Duration.ofSeconds(10)).until(() -> markerListener.contains("poke"));

        assertEquals(List.of("hello"), failingListener);
        assertEquals(List.of("hello"), listener);
    }

    @Test
    void aBadSpaceIDIsRefused() {
        given().queryParam("spaceID", "bad id").get("/api/replicache/poke")
                .then().statusCode(400).body("error", is("InvalidSpaceID"));
    }
}
