package io.github.replicachequarkus.api;

import static io.github.replicachequarkus.testing.Protocol.client;
import static io.github.replicachequarkus.testing.Protocol.mutation;
import static io.github.replicachequarkus.testing.Protocol.pushAs;
import static io.github.replicachequarkus.testing.Protocol.space;
import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.is;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;

import io.agroal.api.AgroalDataSource;
import io.github.replicachequarkus.gc.Collector;
import io.github.replicachequarkus.testing.AuthModes;
import io.github.replicachequarkus.testing.Tokens;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.path.json.JsonPath;
import io.restassured.specification.RequestSpecification;

/**
 * The change feed of the server API: each key changed after {@code since} once, in (version, key) order, in pages that
 * end on whole versions; and the refusals that tell a caller to start over.
 */
@QuarkusTest
@TestProfile(AuthModes.TokenProfile.class)
class ChangeFeedTest {

    private static final String SERVER = Tokens.bearer(Tokens.serverToken("backend", Instant.now().plusSeconds(3600)));

    @Inject
    Collector collector;

    @Inject
    AgroalDataSource dataSource;

    @Test
    void onlyAServerCredentialReadsTheFeed() {
        Space space = new Space();
        space.push(put("a", 1));
        String path = "/api/spaces/" + space.id + "/changes";
        String writer = Tokens.bearer(Tokens.token("ana", Map.of(space.id, "rw")));
        String reader = Tokens.bearer(Tokens.token("bo", Map.of(space.id, "r")));
        given().get(path).then().statusCode(401).body("error", is("Unauthorized"));
        as(writer).get(path).then().statusCode(403).body("error", is("Forbidden"));
        as(reader).get(path).then().statusCode(403).body("error", is("Forbidden"));
        as(SERVER).get(path).then().statusCode(200).body("changes.key", is(List.of("a")));
    }

    @Test
    void eachChangedKeyComesOnceWithItsLatestStateInVersionThenKeyOrder() {
        Space space = new Space();
        space.push(put("c", Map.of("n", 1)), put("b", List.of(1, "two")), put("a", "one")); // version 1
        space.push(put("d", null)); // 2: a put of JSON null
        space.push(remove("b"), put("e", 4.5)); // 3
        space.push(put("a", true)); // 4: a moves on, out of version 1

        JsonPath feed = changes(space.id, 0, 100);
        assertEquals(0, feed.getLong("from"));
        assertEquals(4, feed.getLong("to"));
        assertFalse(feed.getBoolean("more"));
        assertEquals(List.of(
                change("c", "put", Map.of("n", 1), 1),
                change("d", "put", null, 2),
                Map.of("key", "b", "op", "del", "version", 3),
                change("e", "put", 4.5f, 3),
                change("a", "put", true, 4)), feed.getList("changes"), "a del carries no value; a put of null does");
        assertTrue(as(SERVER).get("/api/spaces/" + space.id + "/changes").asString().contains("\"value\":null"));

        JsonPath later = changes(space.id, 2, 100);
        assertEquals(List.of("b", "e", "a"), later.getList("changes.key"), "only what changed after since");
        assertEquals(2, later.getLong("from"));
        assertEquals(4, later.getLong("to"));
    }

    @Test
    void aPageEndsOnAWholeVersionAndTheNextStartsAfterIt() {
        Space space = new Space();
        space.push(put("a", 1), put("b", 1)); // version 1
        space.push(put("c", 1)); // 2
        space.push(put("d", 1), put("e", 1), put("f", 1)); // 3
        space.push(put("g", 1)); // 4

        page(space.id, 0, 3, List.of("a", "b", "c"), 2, true); // full, and the next row starts version 3
        page(space.id, 0, 4, List.of("a", "b", "c"), 2, true); // the limit falls inside version 3: stops before it
        page(space.id, 0, 1, List.of("a", "b"), 1, true); // version 1 alone is over the limit: the page holds all of it
        page(space.id, 2, 2, List.of("d", "e", "f"), 3, true); // the same, after a page
        page(space.id, 3, 2, List.of("g"), 4, false);
        page(space.id, 4, 2, List.of(), 4, false);

        List<String> keys = new ArrayList<>();
        long since = 0;
        for (boolean more = true; more;) {
            JsonPath page = changes(space.id, since, 2);
            keys.addAll(page.getList("changes.key"));
            since = page.getLong("to");
            more = page.getBoolean("more");
        }
        assertEquals(List.of("a", "b", "c", "d", "e", "f", "g"), keys, "each page's to is the next page's since");
        assertEquals(4, since);
    }

    @Test
    void toIsTheSpacesVersionOnTheLastPageEvenWhenNoEntryChanged() {
        Space space = new Space();
        space.push(put("a", 1)); // version 1
        space.push(mutation(space.client, ++space.mutations, "writeThenFail", "x")); // 2: only the client moves

        JsonPath upToDate = changes(space.id, 1, 100);
        assertEquals(List.of(), upToDate.getList("changes"));
        assertEquals(2, upToDate.getLong("to"), "a caller with nothing to apply still learns the version");
        assertFalse(upToDate.getBoolean("more"));
        assertEquals(2, changes(space.id, 0, 100).getLong("to"));
        assertEquals(2, changes(space.id, 2, 100).getLong("to"));
    }

    @Test
    void sinceAndLimitAreCheckedAndDefaulted() {
        Space space = new Space();
        space.push(put("a", 1));
        String path = "/api/spaces/" + space.id + "/changes";
        for (String since : List.of("-1", "one", "1.5", "1e3", "99999999999999999999")) {
            as(SERVER).queryParam("since", since).get(path).then().statusCode(400).body("error", is("InvalidSince"))
                    .body("message", containsString("since"));
        }
        for (String limit : List.of("0", "1001", "-1", "ten")) {
            as(SERVER).queryParam("limit", limit).get(path).then().statusCode(400).body("error", is("InvalidLimit"));
        }
        as(SERVER).get(path).then().statusCode(200).body("from", is(0)).body("changes.key", is(List.of("a")));
        as(SERVER).queryParam("since", "").queryParam("limit", "1000").get(path).then().statusCode(200)
                .body("from", is(0));
    }

    @Test
    void anUnknownSpaceIsNotFound() {
        as(SERVER).get("/api/spaces/nope-" + UUID.randomUUID() + "/changes").then().statusCode(404)
                .body("error", is("SpaceNotFound"));
        as(SERVER).get("/api/spaces/bad%20id/changes").then().statusCode(400).body("error", is("InvalidSpaceID"));
    }

    @Test
    void aSinceAheadOfTheSpaceIsRefused() {
        Space space = new Space();
        space.push(put("a", 1));
        space.push(put("b", 1));
        as(SERVER).queryParam("since", 3).get("/api/spaces/" + space.id + "/changes").then().statusCode(409)
                .body("error", is("SinceAhead")).body("message", containsString("since=0"));
        changes(space.id, 2, 100);
    }

    @Test
    void aSinceBeforePurgedDeletesIsGoneButZeroStillReadsTheWholeSpace() throws SQLException {
        Space space = new Space();
        space.push(put("a", 1), put("b", 1)); // version 1
        space.push(remove("a")); // 2
        space.push(put("c", 1)); // 3
        space.push(remove("c")); // 4
        everyGroupPulledTheWholeSpace(space.id);

        Collector.Run run = collector.run();

        assertTrue(run.tombstonesPurged() >= 2, run.toString());
        for (long since : List.of(1L, 2L, 3L)) {
            as(SERVER).queryParam("since", since).get("/api/spaces/" + space.id + "/changes").then().statusCode(410)
                    .body("error", is("ChangesPurged")).body("message", containsString("since=0"));
        }
        JsonPath whole = changes(space.id, 0, 100);
        assertEquals(List.of(change("b", "put", 1, 1)), whole.getList("changes"), "an empty mirror needs no deletes");
        assertEquals(4, whole.getLong("to"));
        JsonPath fromPurge = changes(space.id, 4, 100);
        assertEquals(List.of(), fromPurge.getList("changes"), "from the purge mark on, nothing is missing");
    }

    /** Pages from {@code since} with the limit, expected to hold these keys and end at {@code to}. */
    private static void page(String space, long since, int limit, List<String> keys, long to, boolean more) {
        JsonPath page = changes(space, since, limit);
        String what = "since " + since + ", limit " + limit;
        assertEquals(keys, page.getList("changes.key"), what);
        assertEquals(since, page.getLong("from"), what);
        assertEquals(to, page.getLong("to"), what);
        assertEquals(more, page.getBoolean("more"), what);
    }

    private static JsonPath changes(String space, long since, int limit) {
        return as(SERVER).queryParam("since", since).queryParam("limit", limit).get("/api/spaces/" + space + "/changes")
                .then().statusCode(200).extract().jsonPath();
    }

    private static Map<String, Object> change(String key, String op, Object value, long version) {
        Map<String, Object> change = new HashMap<>();
        change.put("key", key);
        change.put("op", op);
        change.put("value", value);
        change.put("version", (int) version);
        return change;
    }

    /** The space's groups hold cookies at its version, as if each had just pulled: none holds its tombstones back. */
    private void everyGroupPulledTheWholeSpace(String space) throws SQLException {
        try (Connection connection = dataSource.getConnection();
                PreparedStatement update = connection.prepareStatement("""
                        UPDATE client_group SET cookie = (SELECT version FROM space WHERE id = ?) WHERE space_id = ?""")) {
            update.setString(1, space);
            update.setString(2, space);
            assertTrue(update.executeUpdate() >= 1);
        }
    }

    private static RequestSpecification as(String authorization) {
        return given().header("Authorization", authorization);
    }

    private static Map<String, Object> put(String key, Object value) {
        Map<String, Object> args = new HashMap<>();
        args.put("key", key);
        args.put("value", value);
        return Map.of("name", "put", "args", args);
    }

    private static Map<String, Object> remove(String key) {
        return Map.of("name", "remove", "args", key);
    }

    /** A fresh space, written by one client of one group, one push (one version) at a time. */
    private static final class Space {
        final String id = space();
        final String group = "g-" + UUID.randomUUID();
        final String client = client();
        long mutations;

        /** Pushes the mutations (each a name and its args, or a whole mutation) as one push: one new version. */
        @SafeVarargs
        final void push(Map<String, Object>... named) {
            List<Map<String, Object>> sent = new ArrayList<>();
            for (Map<String, Object> mutation : Arrays.asList(named)) {
                sent.add(mutation.containsKey("clientID") ? mutation
                        : mutation(client, ++mutations, (String) mutation.get("name"), mutation.get("args")));
            }
            pushAs(SERVER, id, group, sent).then().statusCode(200).body("size()", is(0));
        }
    }
}
