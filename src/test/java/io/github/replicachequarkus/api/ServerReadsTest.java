package io.github.replicachequarkus.api;

import static io.github.replicachequarkus.testing.Protocol.client;
import static io.github.replicachequarkus.testing.Protocol.mutation;
import static io.github.replicachequarkus.testing.Protocol.pullAs;
import static io.github.replicachequarkus.testing.Protocol.pushAs;
import static io.github.replicachequarkus.testing.Protocol.space;
import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.notNullValue;
import static org.hamcrest.Matchers.nullValue;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.junit.jupiter.api.Test;

import io.github.replicachequarkus.testing.AuthModes;
import io.github.replicachequarkus.testing.Tokens;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.path.json.JsonPath;
import io.restassured.specification.RequestSpecification;

/** The server API's reads, in token mode: only a server credential opens them. */
@QuarkusTest
@TestProfile(AuthModes.TokenProfile.class)
class ServerReadsTest {

    private static final String SERVER = Tokens.bearer(Tokens.serverToken("backend", Instant.now().plusSeconds(3600)));

    @Test
    void onlyAServerCredentialOpensTheServerApi() {
        String space = seeded(Map.of("a", 1));
        String writer = Tokens.bearer(Tokens.token("ana", Map.of(space, "rw")));
        String reader = Tokens.bearer(Tokens.token("bo", Map.of(space, "r")));
        String expired = Tokens.bearer(Tokens.serverToken("backend", Instant.now().minusSeconds(60)));
        for (String path : List.of("/api/spaces", "/api/spaces/" + space + "/entries", "/api/spaces/" + space
                + "/entries/a")) {
            given().get(path).then().statusCode(401).body("error", is("Unauthorized"));
            as(expired).get(path).then().statusCode(401);
            as(writer).get(path).then().statusCode(403).body("error", is("Forbidden"));
            as(reader).get(path).then().statusCode(403);
            as(SERVER).get(path).then().statusCode(200);
        }
    }

    @Test
    void aServerCredentialIsAlsoAllowedToSyncAnySpace() {
        String space = seeded(Map.of("a", 1));
        pullAs(SERVER, space, "g-" + UUID.randomUUID(), null).then().statusCode(200);
        pushAs(SERVER, space, "g-" + UUID.randomUUID(), mutation(client(), 1, "put", Map.of("key", "b", "value", 2)))
                .then().statusCode(200);
    }

    @Test
    void entriesComeInKeyOrderAPageAtATimeWithTheVersionTheyReflect() {
        String space = seeded(Map.of("a/1", Map.of("n", 1), "a/2", List.of(1, "two"), "a/3", "three", "a/4", 4.5,
                "b/1", true, "a", "not in the prefix"));
        remove(space, "a/4");
        long version = as(SERVER).get("/api/spaces/" + space + "/entries").then().statusCode(200).extract().jsonPath()
                .getLong("version");

        JsonPath first = as(SERVER).queryParam("prefix", "a/").queryParam("limit", 2)
                .get("/api/spaces/" + space + "/entries").then().statusCode(200).extract().jsonPath();
        assertEquals(version, first.getLong("version"));
        assertEquals(List.of(Map.of("key", "a/1", "value", Map.of("n", 1)), Map.of("key", "a/2", "value", List.of(1,
                "two"))), first.getList("entries"));
        assertEquals("a/2", first.getString("next"));

        JsonPath second = as(SERVER).queryParam("prefix", "a/").queryParam("limit", 2).queryParam("after", "a/2")
                .get("/api/spaces/" + space + "/entries").then().statusCode(200).extract().jsonPath();
        assertEquals(List.of(Map.of("key", "a/3", "value", "three")), second.getList("entries"),
                "a deleted key is not listed");
        assertEquals(null, second.getString("next"));

        JsonPath all = as(SERVER).get("/api/spaces/" + space + "/entries").then().extract().jsonPath();
        assertEquals(List.of("a", "a/1", "a/2", "a/3", "b/1"), all.getList("entries.key"));
    }

    @Test
    void oneEntryByItsKey() {
        String space = seeded(Map.of("todo/1", Map.of("text", "milk"), "gone", 1, "odd key?%", 2));
        remove(space, "gone");
        as(SERVER).get("/api/spaces/" + space + "/entries/todo/1").then().statusCode(200)
                .body("key", is("todo/1")).body("value.text", is("milk")).body("version", notNullValue());
        as(SERVER).urlEncodingEnabled(false).get("/api/spaces/" + space + "/entries/odd%20key%3F%25").then()
                .statusCode(200)
                .body("key", is("odd key?%")).body("value", is(2));
        as(SERVER).get("/api/spaces/" + space + "/entries/gone").then().statusCode(404).body("error", is("EntryNotFound"));
        as(SERVER).get("/api/spaces/" + space + "/entries/never").then().statusCode(404);
        as(SERVER).get("/api/spaces/nope-" + UUID.randomUUID() + "/entries/a").then().statusCode(404)
                .body("error", is("SpaceNotFound"));
        as(SERVER).get("/api/spaces/bad%20id/entries").then().statusCode(400);
    }

    @Test
    void spacesArePagedByIdWithTheirVersionsAndTimes() throws Exception {
        String prefix = "list-" + UUID.randomUUID().toString().substring(0, 8) + "-";
        for (String name : List.of("c", "a", "b")) {
            seeded(prefix + name, Map.of("k", name));
        }
        JsonPath first = as(SERVER).queryParam("prefix", prefix).queryParam("limit", 2).get("/api/spaces").then()
                .statusCode(200).extract().jsonPath();
        assertEquals(List.of(prefix + "a", prefix + "b"), first.getList("spaces.spaceID"));
        assertEquals(prefix + "b", first.getString("next"));
        assertEquals(1L, first.getLong("spaces[0].version"));
        Instant created = Instant.parse(first.getString("spaces[0].createdAt"));
        Instant changed = Instant.parse(first.getString("spaces[0].changedAt"));
        assertTrue(!changed.isBefore(created));

        as(SERVER).queryParam("prefix", prefix).queryParam("after", prefix + "b").get("/api/spaces").then()
                .statusCode(200).body("spaces.spaceID", is(List.of(prefix + "c"))).body("next", nullValue());

        Thread.sleep(20);
        pushAs(SERVER, prefix + "a", "g-" + UUID.randomUUID(), mutation(client(), 1, "put", Map.of("key", "x",
                "value", 1))).then().statusCode(200);
        JsonPath after = as(SERVER).queryParam("prefix", prefix + "a").get("/api/spaces").then().extract().jsonPath();
        assertEquals(2L, after.getLong("spaces[0].version"));
        assertTrue(Instant.parse(after.getString("spaces[0].changedAt")).isAfter(changed), "a change moves changedAt");
    }

    @Test
    void aLimitOutsideOneToAThousandIsRefused() {
        for (String limit : List.of("0", "1001", "-1", "ten", "1e3")) {
            as(SERVER).queryParam("limit", limit).get("/api/spaces").then().statusCode(400)
                    .body("error", is("InvalidLimit"));
        }
        as(SERVER).queryParam("limit", "1000").get("/api/spaces").then().statusCode(200);
        as(SERVER).queryParam("prefix", "x".repeat(5000)).get("/api/spaces").then().statusCode(414);
    }

    private static RequestSpecification as(String authorization) {
        return given().header("Authorization", authorization);
    }

    /** A fresh space holding these keys, written by one push. */
    private static String seeded(Map<String, Object> entries) {
        return seeded(space(), entries);
    }

    private static String seeded(String space, Map<String, Object> entries) {
        String clientID = client();
        List<Map<String, Object>> mutations = new ArrayList<>();
        entries.entrySet().stream().sorted(Map.Entry.comparingByKey()).forEach(entry -> mutations.add(
                mutation(clientID, mutations.size() + 1, "put", Map.of("key", entry.getKey(), "value", entry.getValue()))));
        pushAs(SERVER, space, "g-" + UUID.randomUUID(), mutations).then().statusCode(200);
        return space;
    }

    private static void remove(String space, String key) {
        pushAs(SERVER, space, "g-" + UUID.randomUUID(), mutation(client(), 1, "remove", key)).then().statusCode(200);
    }
}
