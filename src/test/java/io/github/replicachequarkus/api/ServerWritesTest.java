package io.github.replicachequarkus.api;

import static io.github.replicachequarkus.testing.Protocol.client;
import static io.github.replicachequarkus.testing.Protocol.mutation;
import static io.github.replicachequarkus.testing.Protocol.pullAs;
import static io.github.replicachequarkus.testing.Protocol.pushAs;
import static io.github.replicachequarkus.testing.Protocol.space;
import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.nullValue;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import org.junit.jupiter.api.Test;

import io.github.replicachequarkus.testing.AuthModes;
import io.github.replicachequarkus.testing.TestSocket;
import io.github.replicachequarkus.testing.Tokens;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import io.restassured.response.Response;
import io.restassured.specification.RequestSpecification;

/** The server API's writes (mutate) and deletes, in token mode: only a server credential may make them. */
@QuarkusTest
@TestProfile(AuthModes.TokenProfile.class)
class ServerWritesTest {

    private static final String SERVER = Tokens.bearer(Tokens.serverToken("backend", Instant.now().plusSeconds(3600)));

    @TestHTTPResource("/")
    URI base;

    @Test
    void onlyAServerCredentialWritesOrDeletes() {
        String space = space();
        String writer = Tokens.bearer(Tokens.token("ana", Map.of(space, "rw")));
        String reader = Tokens.bearer(Tokens.token("bo", Map.of(space, "r")));
        String expired = Tokens.bearer(Tokens.serverToken("backend", Instant.now().minusSeconds(60)));
        Map<String, Object> body = body(put("a", 1));
        given().contentType(ContentType.JSON).body(body).post(mutatePath(space)).then().statusCode(401);
        as(expired).body(body).post(mutatePath(space)).then().statusCode(401);
        as(writer).body(body).post(mutatePath(space)).then().statusCode(403).body("error", is("Forbidden"));
        as(reader).body(body).post(mutatePath(space)).then().statusCode(403);
        given().delete("/api/spaces/" + space).then().statusCode(401);
        as(writer).delete("/api/spaces/" + space).then().statusCode(403);
        as(reader).delete("/api/spaces/" + space).then().statusCode(403);
        assertEquals(404, as(SERVER).get("/api/spaces/" + space + "/entries").statusCode(), "nothing was written");

        as(SERVER).body(body).post(mutatePath(space)).then().statusCode(200);
        as(SERVER).delete("/api/spaces/" + space).then().statusCode(204);
    }

    @Test
    void aWriteRunsRegisteredMutatorsAsTheServerInOneNewVersion() {
        String space = space();
        String group = "g-" + UUID.randomUUID();
        String clientID = client();
        pushAs(SERVER, space, group, mutation(clientID, 1, "put", Map.of("key", "a", "value", 1))).then().statusCode(200);

        JsonPath written = mutate(space, body(put("b", Map.of("n", 2)), Map.of("name", "remove", "args", "a"),
                Map.of("name", "increment", "args", "count"), Map.of("name", "increment", "args", "count")))
                .then().statusCode(200).extract().jsonPath();

        assertEquals(2L, written.getLong("version"), "one new version for the whole write");
        assertEquals(List.of(Map.of("ok", true), Map.of("ok", true), Map.of("ok", true), Map.of("ok", true)),
                written.getList("results"));
        JsonPath entries = as(SERVER).get("/api/spaces/" + space + "/entries").then().extract().jsonPath();
        assertEquals(List.of("b", "count"), entries.getList("entries.key"));
        assertEquals(2, entries.getInt("entries[1].value"), "later mutations see the earlier ones' writes");
        JsonPath pulled = pullAs(SERVER, space, group, 1).then().statusCode(200).extract().jsonPath();
        assertEquals(Map.of(), pulled.getMap("lastMutationIDChanges"), "no client's last mutation id moved");
        assertEquals(2L, pulled.getLong("cookie"));

        pushAs(SERVER, space, group, mutation(clientID, 2, "put", Map.of("key", "c", "value", 3))).then()
                .statusCode(200);
        assertEquals(3L, as(SERVER).get("/api/spaces/" + space + "/entries/c").then().extract().jsonPath()
                .getLong("version"), "the client goes on where it was");
    }

    @Test
    void anAtomicWriteWithAFailingMutationAppliesNothing() {
        String space = space();
        mutate(space, body(put("a", 1))).then().statusCode(200);

        for (Map<String, Object> failing : List.of(Map.<String, Object> of("name", "writeThenFail", "args", "x"),
                Map.<String, Object> of("name", "noSuchMutator", "args", 1),
                Map.<String, Object> of("name", "put", "args", "not an object"))) {
            mutate(space, body(put("b", 2), failing)).then().statusCode(422).body("error", is("MutationFailed"))
                    .body("index", is(1));
        }
        JsonPath entries = as(SERVER).get("/api/spaces/" + space + "/entries").then().extract().jsonPath();
        assertEquals(List.of("a"), entries.getList("entries.key"));
        assertEquals(1L, entries.getLong("version"), "no new version");
    }

    @Test
    void aWriteThatIsNotAtomicSkipsAndReportsWhatFailed() {
        String space = space();
        Map<String, Object> body = Map.of("atomic", false, "mutations",
                List.of(put("a", 1), Map.of("name", "writeThenFail", "args", "x"), put("b", 2)));
        JsonPath written = mutate(space, body).then().statusCode(200).extract().jsonPath();
        assertEquals(true, written.getBoolean("results[0].ok"));
        assertEquals(false, written.getBoolean("results[1].ok"));
        assertTrue(!written.getString("results[1].error").isEmpty());
        assertEquals(true, written.getBoolean("results[2].ok"));
        assertEquals(List.of("a", "b"), as(SERVER).get("/api/spaces/" + space + "/entries").then().extract()
                .jsonPath().getList("entries.key"), "x was written by the failing mutator and discarded");
    }

    @Test
    void anIdempotencyKeyAppliesARequestOnce() throws Exception {
        String space = space();
        Map<String, Object> body = body(Map.of("name", "increment", "args", "n"));
        Response first = as(SERVER).header("Idempotency-Key", "charge-1").body(body).post(mutatePath(space));
        first.then().statusCode(200).header("Idempotent-Replayed", nullValue());
        Response again = as(SERVER).header("Idempotency-Key", "charge-1").body(body).post(mutatePath(space));
        again.then().statusCode(200).header("Idempotent-Replayed", "true");
        assertEquals(first.jsonPath().getMap(""), again.jsonPath().getMap(""), "the first reply, as it was");
        assertEquals(1, counter(space), "applied once");

        as(SERVER).header("Idempotency-Key", "charge-1").body(body(Map.of("name", "increment", "args", "m")))
                .post(mutatePath(space)).then().statusCode(422).body("error", is("IdempotencyKeyReused"));
        String other = space();
        as(SERVER).header("Idempotency-Key", "charge-1").body(body).post(mutatePath(other)).then().statusCode(200)
                .header("Idempotent-Replayed", nullValue());

        // Retries racing each other: one of them applies, every one gets its reply.
        String raced = space();
        mutate(raced, body(put("seed", 0))).then().statusCode(200);
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            List<Future<Response>> replies = new ArrayList<>();
            for (int i = 0; i < 8; i++) {
                Callable<Response> retry = () -> as(SERVER).header("Idempotency-Key", "raced").body(body)
                        .post(mutatePath(raced));
                replies.add(pool.submit(retry));
            }
            long version = -1;
            for (Future<Response> reply : replies) {
                Response response = reply.get();
                assertEquals(200, response.statusCode(), response.asString());
                long replied = response.jsonPath().getLong("version");
                assertTrue(version < 0 || version == replied, "every retry gets the same reply");
                version = replied;
            }
        } finally {
            pool.shutdown();
        }
        assertEquals(1, counter(raced));
    }

    @Test
    void aMalformedWriteIsRefusedAndChangesNothing() {
        String space = space();
        for (Object body : List.of("[]", "{}", "{\"mutations\": {}}", "{\"mutations\": [1]}",
                "{\"mutations\": [{\"args\": 1}]}", "{\"mutations\": [{\"name\": \"\"}]}",
                "{\"mutations\": [{\"name\": 7}]}", "{\"mutations\": [], \"atomic\": \"yes\"}")) {
            as(SERVER).body(body).post(mutatePath(space)).then().statusCode(400).body("error", is("InvalidRequest"));
        }
        as(SERVER).body("{\"mutations\": [").post(mutatePath(space)).then().statusCode(400);
        List<Map<String, Object>> many = new ArrayList<>();
        for (int i = 0; i < 10_001; i++) {
            many.add(put("k" + i, i));
        }
        as(SERVER).body(Map.of("mutations", many)).post(mutatePath(space)).then().statusCode(400);
        as(SERVER).body(body(put("a", 1))).post("/api/spaces/bad%20id/mutate").then().statusCode(400);
        as(SERVER).header("Idempotency-Key", "x".repeat(256)).body(body(put("a", 1))).post(mutatePath(space)).then()
                .statusCode(400).body("error", is("InvalidIdempotencyKey"));
        as(SERVER).get("/api/spaces/" + space + "/entries").then().statusCode(404);
    }

    @Test
    void aDeletedSpaceClosesItsSocketsAndAnswers404UntilAServerWriteBringsItBack() {
        String space = space();
        String group = "g-" + UUID.randomUUID();
        String clientID = client();
        String writer = Tokens.bearer(Tokens.token("ana", Map.of(space, "rw")));
        String token = Tokens.token("ana", Map.of(space, "rw"));
        pushAs(writer, space, group, mutation(clientID, 1, "put", Map.of("key", "a", "value", 1))).then()
                .statusCode(200);
        try (TestSocket socket = TestSocket.open(base, space)) {
            socket.hello(client(), "g-" + UUID.randomUUID(), null, token);

            as(SERVER).delete("/api/spaces/" + space).then().statusCode(204);

            assertEquals(4404, socket.closeCode());
        }
        pullAs(writer, space, group, 1).then().statusCode(404).body("error", is("SpaceNotFound"));
        pullAs(writer, space, "g-" + UUID.randomUUID(), null).then().statusCode(404);
        pushAs(writer, space, group, mutation(clientID, 2, "put", Map.of("key", "b", "value", 2))).then()
                .statusCode(404);
        pushAs(writer, space, "g-" + UUID.randomUUID(), mutation(client(), 1, "put", Map.of("key", "b", "value", 2)))
                .then().statusCode(404).body("error", is("SpaceNotFound"));
        as(SERVER).get("/api/spaces/" + space + "/entries").then().statusCode(404);
        as(SERVER).get("/api/spaces/" + space + "/changes").then().statusCode(404).body("error", is("SpaceNotFound"));
        as(SERVER).queryParam("prefix", space).get("/api/spaces").then().body("spaces", is(List.of()));
        as(SERVER).delete("/api/spaces/" + space).then().statusCode(404).body("error", is("SpaceNotFound"));
        try (TestSocket late = TestSocket.open(base, space)) {
            late.send(Map.of("messageType", "hello", "clientID", client(), "clientGroupID", "g-" + UUID.randomUUID(),
                    "cookie", 1, "auth", token));
            assertEquals(4404, late.closeCode(), "a hello in a deleted space");
        }

        long version = mutate(space, body(put("fresh", true))).then().statusCode(200).extract().jsonPath()
                .getLong("version");
        assertTrue(version >= 3, "past every version of its earlier life: " + version);
        pullAs(writer, space, group, 1).then().statusCode(200).body("error", is("ClientStateNotFound"));
        JsonPath fresh = pullAs(writer, space, "g-" + UUID.randomUUID(), 1).then().statusCode(200).extract()
                .jsonPath();
        assertEquals("clear", fresh.getString("patch[0].op"), "an old cookie gets the whole (new) state");
        assertEquals(List.of("fresh"), fresh.getList("patch.findAll { it.op == 'put' }.key"));
        as(SERVER).queryParam("since", 1).get("/api/spaces/" + space + "/changes").then().statusCode(410)
                .body("error", is("ChangesPurged"));
        as(SERVER).get("/api/spaces/" + space + "/changes").then().statusCode(200).body("changes.key",
                is(List.of("fresh")));
    }

    /** A pull that finds its space alive, but its group gone with the space's delete, answers as a deleted space. */
    @Test
    void aPullRacingTheDeleteOfItsSpaceIsAnswered404NeverClientStateNotFound() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            for (int round = 0; round < 20; round++) {
                String space = space();
                String group = "g-" + UUID.randomUUID();
                String writer = Tokens.bearer(Tokens.token("ana", Map.of(space, "rw")));
                pushAs(writer, space, group, mutation(client(), 1, "put", Map.of("key", "a", "value", 1))).then()
                        .statusCode(200);
                List<Future<List<String>>> pullers = new ArrayList<>();
                for (int i = 0; i < 3; i++) {
                    pullers.add(pool.submit(() -> {
                        List<String> answers = new ArrayList<>();
                        for (int pull = 0; pull < 200; pull++) {
                            Response reply = pullAs(writer, space, group, 1);
                            answers.add(reply.statusCode() + " " + reply.jsonPath().getString("error"));
                            if (reply.statusCode() == 404) {
                                break;
                            }
                        }
                        return answers;
                    }));
                }
                Thread.sleep(round % 5 * 3);
                as(SERVER).delete("/api/spaces/" + space).then().statusCode(204);
                for (Future<List<String>> puller : pullers) {
                    List<String> answers = puller.get();
                    assertEquals("404 SpaceNotFound", answers.getLast(), "a pull after the delete: " + answers);
                    assertTrue(answers.stream().allMatch(a -> a.equals("200 null") || a.equals("404 SpaceNotFound")),
                            "a pull is answered in full or as a deleted space: " + answers);
                }
            }
        } finally {
            pool.shutdownNow();
        }
    }

    private int counter(String space) {
        return as(SERVER).get("/api/spaces/" + space + "/entries/n").then().statusCode(200).extract().jsonPath()
                .getInt("value");
    }

    private static Response mutate(String space, Map<String, Object> body) {
        return as(SERVER).body(body).post(mutatePath(space));
    }

    private static String mutatePath(String space) {
        return "/api/spaces/" + space + "/mutate";
    }

    @SafeVarargs
    private static Map<String, Object> body(Map<String, Object>... mutations) {
        return Map.of("mutations", List.of(mutations));
    }

    private static Map<String, Object> put(String key, Object value) {
        return Map.of("name", "put", "args", Map.of("key", key, "value", value));
    }

    private static RequestSpecification as(String authorization) {
        return given().header("Authorization", authorization).contentType(ContentType.JSON);
    }
}
