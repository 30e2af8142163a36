package io.github.replicachequarkus.sync;

import static io.github.replicachequarkus.testing.Protocol.client;
import static io.github.replicachequarkus.testing.Protocol.mutation;
import static io.github.replicachequarkus.testing.Protocol.pull;
import static io.github.replicachequarkus.testing.Protocol.pullOk;
import static io.github.replicachequarkus.testing.Protocol.pushOk;
import static io.github.replicachequarkus.testing.Protocol.space;
import static io.github.replicachequarkus.testing.Protocol.version;
import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.is;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import io.github.replicachequarkus.testing.Protocol;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;

@QuarkusTest
class PullTest {

    @Test
    void aNewSpaceIsEmptyAtVersionZero() {
        JsonPath pulled = pullOk(space(), "g1", null);
        assertEquals(0, pulled.getLong("cookie"));
        assertEquals(Map.of(), pulled.getMap("lastMutationIDChanges"));
        assertEquals(List.of(Map.of("op", "clear")), pulled.getList("patch"));
    }

    @Test
    void aPullFromACookieSendsOnlyWhatChangedSinceWithDeletes() {
        String c1 = client();
        String space = space();
        pushOk(space, "g1", mutation(c1, 1, "put", Map.of("key", "a", "value", 1)),
                mutation(c1, 2, "put", Map.of("key", "b", "value", 2)));
        long cookie = pullOk(space, "g1", null).getLong("cookie");
        pushOk(space, "g1", mutation(c1, 3, "put", Map.of("key", "a", "value", 10)), mutation(c1, 4, "del", "b"),
                mutation(c1, 5, "put", Map.of("key", "c", "value", Map.of("nested", List.of(1, "x", true)))));
        pushOk(space, "g1", mutation(c1, 4, "increment", "replayed: changes nothing"));

        JsonPath pulled = pullOk(space, "g1", cookie);
        assertEquals(cookie + 1, pulled.getLong("cookie"));
        assertEquals(Map.of(c1, 5), pulled.getMap("lastMutationIDChanges"));
        List<Map<String, Object>> patch = pulled.getList("patch");
        assertEquals(2, patch.size(), "b was never deleted: 'del' is not a mutator, so mutation 4 failed");
        assertTrue(patch.contains(Map.of("op", "put", "key", "a", "value", 10)));
        assertTrue(patch.contains(Map.of("op", "put", "key", "c", "value", Map.of("nested", List.of(1, "x", true)))));

        pushOk(space, "g1", mutation(c1, 6, "deleteTodo", "b"));
        JsonPath afterDelete = pullOk(space, "g1", cookie + 1);
        assertEquals(List.of(Map.of("op", "del", "key", "b")), afterDelete.getList("patch"));
    }

    @Test
    void aPullAtTheCurrentVersionIsEmptyWithTheSameCookie() {
        String c1 = client();
        String space = space();
        pushOk(space, "g1", mutation(c1, 1, "increment", "n"));
        long cookie = version(space);

        JsonPath pulled = pullOk(space, "g1", cookie);
        assertEquals(cookie, pulled.getLong("cookie"));
        assertEquals(List.of(), pulled.getList("patch"));
        assertEquals(Map.of(), pulled.getMap("lastMutationIDChanges"));
    }

    @Test
    void lastMutationIDChangesCoverOnlyThePullingGroup() {
        String a1 = client();
        String a2 = client();
        String b1 = client();
        String space = space();
        pushOk(space, "g1", mutation(a1, 1, "increment", "n"), mutation(a2, 1, "increment", "n"));
        pushOk(space, "g2", mutation(b1, 1, "increment", "n"), mutation(b1, 2, "increment", "n"));

        assertEquals(Map.of(a1, 1, a2, 1), pullOk(space, "g1", null).getMap("lastMutationIDChanges"));
        assertEquals(Map.of(b1, 2), pullOk(space, "g2", null).getMap("lastMutationIDChanges"));
        assertEquals(Map.of(b1, 2), pullOk(space, "g2", 1).getMap("lastMutationIDChanges"));
        assertEquals(Map.of(), pullOk(space, "g1", 1).getMap("lastMutationIDChanges"));
    }

    @Test
    void aCookieFromTheFutureGetsEverythingAndAGreaterCookie() {
        String c1 = client();
        String space = space();
        pushOk(space, "g1", mutation(c1, 1, "put", Map.of("key", "a", "value", 1)));

        JsonPath pulled = pullOk(space, "g1", 500);
        assertEquals(501, pulled.getLong("cookie"));
        assertEquals(List.of(Map.of("op", "clear"), Map.of("op", "put", "key", "a", "value", 1)),
                pulled.getList("patch"));
        assertEquals(Map.of(c1, 1), pulled.getMap("lastMutationIDChanges"));

        pushOk(space, "g1", mutation(c1, 2, "put", Map.of("key", "b", "value", 2)));
        JsonPath next = pullOk(space, "g1", 501);
        assertEquals(502, next.getLong("cookie"), "the space's version moved past the client's cookie");
        assertEquals(List.of(Map.of("op", "put", "key", "b", "value", 2)), next.getList("patch"));
    }

    @Test
    void cookiesOfOtherShapesGetEverythingWithACookieTheClientSeesAsGreater() {
        String c1 = client();
        String space = space();
        pushOk(space, "g1", mutation(c1, 1, "increment", "n"));

        assertEquals(1, pullOk(space, "g1", "0").getLong("cookie"));
        assertEquals(2, pullOk(space, "g1", "1").getLong("cookie"));
        assertEquals(13, pullOk(space, "g1", Map.of("order", 12, "extra", "x")).getLong("cookie"));
        assertEquals(14, pullOk(space, "g1", 13.5).getLong("cookie"));
        assertEquals("clear", pullOk(space, "g1", 2.5).getString("patch[0].op"));
    }

    @Test
    void aCookieNoNumberCanExceedGetsClientStateNotFound() {
        String space = space();
        pull(space, "g1", "zzz").then().statusCode(200).body("error", is("ClientStateNotFound"));
        pull(space, "g1", List.of(1)).then().statusCode(200).body("error", is("ClientStateNotFound"));
    }

    @Test
    void aDeletedKeyIsNotInAFullPull() {
        String c1 = client();
        String space = space();
        pushOk(space, "g1", mutation(c1, 1, "createTodo", Map.of("id", "a", "text", "x", "completed", false)),
                mutation(c1, 2, "deleteTodo", "a"));

        assertEquals(List.of(Map.of("op", "clear")), pullOk(space, "g1", null).getList("patch"));
        assertEquals(List.of(Map.of("op", "del", "key", "a")), pullOk(space, "g1", 0).getList("patch"));
    }

    @Test
    void aStateLargerThanOneFetchIsStreamedWhole() {
        String c1 = client();
        String space = space();
        int entries = 2_345; // several of the stream's fetches of rows
        List<Map<String, Object>> puts = new java.util.ArrayList<>();
        for (int i = 1; i <= entries; i++) {
            puts.add(mutation(c1, i, "put", Map.of("key", "k/" + i, "value", Map.of("n", i, "text", "\u00e9\"\n"))));
        }
        given().contentType(ContentType.JSON).queryParam("spaceID", space).body(Protocol.pushBody("g1", puts))
                .post("/api/replicache/push").then().statusCode(200);

        JsonPath full = pullOk(space, "g1", null);
        List<Map<String, Object>> patch = full.getList("patch");
        assertEquals(entries + 1, patch.size());
        assertEquals(Map.of("op", "clear"), patch.get(0));
        assertEquals(Map.of("n", 7, "text", "\u00e9\"\n"), full.getMap("patch.find { it.key == 'k/7' }.value"));
        assertEquals(Map.of(c1, entries), full.getMap("lastMutationIDChanges"));
        assertEquals(entries, pullOk(space, "g1", 0).getList("patch").size(), "the same from cookie 0, without clear");
    }
}
