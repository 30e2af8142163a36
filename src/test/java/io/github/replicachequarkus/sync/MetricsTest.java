package io.github.replicachequarkus.sync;

import static io.github.replicachequarkus.testing.Protocol.client;
import static io.github.replicachequarkus.testing.Protocol.mutation;
import static io.github.replicachequarkus.testing.Protocol.pullOk;
import static io.github.replicachequarkus.testing.Protocol.pushOk;
import static io.github.replicachequarkus.testing.Protocol.space;
import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import io.github.replicachequarkus.testing.TestSocket;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;

/** What /q/metrics tells of pushes, mutations, pulls, sockets and pokes. */
@QuarkusTest
class MetricsTest {

    @TestHTTPResource("/")
    URI base;

    /** The value of a Prometheus series (name and the labels as written), 0 when it does not exist yet. */
    private static double metric(String series) {
        String body = given().accept("text/plain").get("/q/metrics").then().statusCode(200).extract().asString();
        // The text format may end a label set with a comma: {a="x",}
        return body.lines().map(line -> line.replace(",}", "}")).filter(line -> line.startsWith(series + " "))
                .mapToDouble(line -> Double.parseDouble(line.substring(series.length() + 1).strip())).sum();
    }

    @Test
    void mutationsAreCountedByMutatorAndResultAndUnknownNamesShareOneSeries() {
        String applied = "replicache_mutations_total{mutator=\"increment\",result=\"applied\"}";
        String failed = "replicache_mutations_total{mutator=\"unknown\",result=\"failed\"}";
        String replayed = "replicache_mutations_skipped_total{reason=\"replayed\"}";
        double appliedBefore = metric(applied);
        double failedBefore = metric(failed);
        double replayedBefore = metric(replayed);
        String space = space();
        String c1 = client();

        pushOk(space, "g1", mutation(c1, 1, "increment", "n"), mutation(c1, 2, "increment", "n"),
                mutation(c1, 3, "made-up-" + c1, Map.of()));
        pushOk(space, "g1", mutation(c1, 1, "increment", "n"));

        assertEquals(appliedBefore + 2, metric(applied));
        assertEquals(failedBefore + 1, metric(failed));
        assertEquals(replayedBefore + 1, metric(replayed));
        assertTrue(!given().get("/q/metrics").asString().contains("made-up-"), "a client cannot make series");
    }

    @Test
    void refusedPushesAndPullSizesAreRecorded() {
        String refused = "replicache_pushes_refused_total{error=\"VersionNotSupported\",version=\"push\"}";
        String pulls = "replicache_pull_patch_operations_count";
        double refusedBefore = metric(refused);
        double pullsBefore = metric(pulls);

        given().contentType(ContentType.JSON).queryParam("spaceID", space())
                .body(Map.of("pushVersion", 0, "clientID", "c", "mutations", List.of())).post("/api/replicache/push")
                .then().statusCode(200);
        pullOk(space(), "g1", null);

        assertEquals(refusedBefore + 1, metric(refused));
        assertEquals(pullsBefore + 1, metric(pulls));
        assertTrue(given().get("/q/metrics").asString().contains("replicache_pull_replies_spooled "),
                "the spooled replies are a series");
    }

    @Test
    void socketsAndPokeLatencyAreMeasured() {
        String space = space();
        String pokes = "replicache_pokes_total";
        String timed = "replicache_poke_latency_seconds_count";
        double timedBefore = metric(timed);
        double pokesBefore = metric(pokes);
        try (TestSocket socket = TestSocket.open(base, space)) {
            socket.hello(client(), "g1", null);
            assertTrue(metric("replicache_sockets") >= 1);
            assertTrue(metric("replicache_rooms") >= 1);

            pushOk(space, "g2", mutation(client(), 1, "increment", "n"));
            socket.next();
            // a pass with one socket times its poke
            await().atMost(Duration.ofSeconds(5))
                    .until(() -> metric(pokes) >= pokesBefore + 1 && metric(timed) >= timedBefore + 1);
        }
    }
}
