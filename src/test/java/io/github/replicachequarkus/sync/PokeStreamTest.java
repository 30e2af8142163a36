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

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.URL;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import org.junit.jupiter.api.Test;

import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;

/** The SSE poke stream: a poke after every committed change of the space, and only then. */
@QuarkusTest
class PokeStreamTest {

    @TestHTTPResource("/api/replicache/poke")
    URL pokeUrl;

    /** Reads a space's SSE stream into a list of data lines, in the background. */
    private List<String> listen(String spaceID) {
        List<String> events = new CopyOnWriteArrayList<>();
        HttpRequest request = HttpRequest.newBuilder(URI.create(pokeUrl + "?spaceID=" + spaceID))
                .header("Accept", "text/event-stream").build();
        HttpClient.newHttpClient().sendAsync(request, HttpResponse.BodyHandlers.ofInputStream()).thenAccept(response -> {
            try (BufferedReader reader = new BufferedReader(new InputStreamReader(response.body(), StandardCharsets.UTF_8))) {
                for (String line; (line = reader.readLine()) != null;) {
                    if (line.startsWith("data:")) {
                        events.add(line.substring(5).strip());
                    }
                }
            } catch (Exception ignored) {
                // the stream ends with the test
            }
        });
        await().atMost(Duration.ofSeconds(10)).until(() -> events.contains("hello"));
        return events;
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
