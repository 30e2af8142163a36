package io.github.replicachequarkus.todo;

import static io.github.replicachequarkus.testing.Protocol.client;
import static io.github.replicachequarkus.testing.Protocol.mutation;
import static io.github.replicachequarkus.testing.Protocol.pushBody;
import static io.github.replicachequarkus.testing.Protocol.pushOk;
import static io.github.replicachequarkus.testing.Protocol.space;
import static io.github.replicachequarkus.testing.Protocol.state;
import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.agroal.api.AgroalDataSource;
import io.github.replicachequarkus.testing.Protocol;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;

/**
 * createTodo without a sort gets one above every todo's in the space, stored or written earlier in the same push,
 * and finds it without reading the space's entries.
 */
@QuarkusTest
class SortedTodosTest {

    /** Reads numbers of any length: the space may hold one longer than the server's mapper reads. */
    private static final ObjectMapper JSON = new ObjectMapper(JsonFactory.builder()
            .streamReadConstraints(StreamReadConstraints.builder().maxNumberLength(10_000).build()).build());

    @Inject
    AgroalDataSource dataSource;

    @Test
    void createsWithoutSortGoAboveEveryTodoStoredOrWrittenEarlierInTheirPush() throws IOException {
        String space = space();
        String c = client();
        double largest = seed(space, c, 2000, new Random(7));
        long next = 2001;

        // One push is one transaction: what its earlier mutations wrote is not in the database yet.
        pushOk(space, "g", create(c, next++, "n1", null), create(c, next++, "n2", null),
                mutation(c, next++, "updateTodo", Map.of("id", "t-5", "sort", largest + 1000)),
                create(c, next++, "n3", null), create(c, next++, "n4", largest + 5000.5),
                create(c, next++, "n5", null));
        Map<String, Double> sorts = sorts(space);
        assertTrue(sorts.get("n1") > largest, sorts.get("n1") + " above " + largest);
        assertTrue(sorts.get("n2") > sorts.get("n1"));
        assertTrue(sorts.get("n3") > largest + 1000, "above the sort the update gave earlier in the push");
        assertTrue(sorts.get("n5") > largest + 5000.5, "above the sort a create gave earlier in the push");

        pushOk(space, "g", create(c, next++, "n6", null));
        pushOk(space, "g", mutation(c, next++, "deleteTodo", "n6"), create(c, next++, "n7", null));
        sorts = sorts(space);
        double above = sorts.entrySet().stream().filter(todo -> !todo.getKey().equals("n7"))
                .mapToDouble(Map.Entry::getValue).max().orElseThrow();
        assertTrue(sorts.get("n7") > above, sorts.get("n7") + " above every other todo's " + above);
    }

    @Test
    void sortsFarAboveWholeNumbersStillGetOneAbove() throws IOException {
        String space = space();
        String c = client();
        pushOk(space, "g", create(c, 1, "big", 1e20), create(c, 2, "next", null));
        Map<String, Double> sorts = sorts(space);
        assertTrue(sorts.get("next") > 1e20, "1e20 + 1 is 1e20 as a double: " + sorts);
    }

    @Test
    void createWithoutSortReadsNoEntryOfTheSpace() throws SQLException, IOException {
        String space = space();
        String c = client();
        seed(space, c, 100, new Random(11));
        // A number longer than Jackson reads: any mutator's scan of the space now fails.
        insertEntry(space, "unreadable", "{\"big\": " + "1".repeat(2000) + "}");
        pushOk(space, "g", mutation(c, 101, "scan", ""));
        assertFalse(state(space).containsKey("scanned/"), "a scan of the space fails");

        pushOk(space, "g", create(c, 102, "new", null));
        Map<String, Double> sorts = sorts(space);
        assertTrue(sorts.containsKey("new"), "created without a scan");
        double others = sorts.entrySet().stream().filter(todo -> !todo.getKey().equals("new"))
                .mapToDouble(Map.Entry::getValue).max().orElseThrow();
        assertTrue(sorts.get("new") > others);
    }

    @Test
    void theLargestSortIsOneRowOfTheIndexHoweverLargeTheSpace() throws Exception {
        String space = space();
        seed(space, client(), 2000, new Random(13));
        try (Connection connection = dataSource.getConnection(); Statement statement = connection.createStatement()) {
            statement.execute("ANALYZE entry");
            JsonNode plan;
            try (PreparedStatement explain = connection.prepareStatement(
                    "EXPLAIN (ANALYZE, FORMAT JSON) " + SortedTodos.LARGEST_STORED)) {
                explain.setString(1, space);
                try (ResultSet result = explain.executeQuery()) {
                    result.next();
                    plan = JSON.readTree(result.getString(1));
                }
            }
            List<JsonNode> scans = new ArrayList<>();
            plan.findParents("Relation Name").forEach(scans::add);
            assertEquals(1, scans.size(), plan::toPrettyString);
            JsonNode scan = scans.get(0);
            assertEquals("entry_sort", scan.path("Index Name").asText(), plan::toPrettyString);
            assertEquals(1, scan.path("Actual Rows").asLong(), plan::toPrettyString);
        }
    }

    @Test
    void theSortIndexFailsNoWriteOfAnyJsonValue() throws SQLException {
        String space = space();
        pushOk(space, "g", mutation(client(), 1, "increment", "n"));
        List<String> values = List.of("{\"sort\": 1e999999}", "{\"sort\": -1E-999999}", "{\"sort\": 1e0005}",
                "{\"sort\": 1E400}", "{\"sort\": -" + "9".repeat(200_000) + "}", "{\"sort\": 0." + "0".repeat(20_000) + "1}",
                "{\"sort\": \"12\"}", "{\"sort\": null}", "{\"sort\": {\"sort\": 1}}", "{\"sort\": [1]}", "[1]", "7",
                "\"sort\"", "{}");
        for (int i = 0; i < values.size(); i++) {
            insertEntry(space, "v" + i, values.get(i)); // the index's expression cannot fail any of them
        }
    }

    /** Creates todos with random sorts, 500 to a push; returns the largest. */
    private static double seed(String space, String clientID, int count, Random random) {
        double largest = Double.NEGATIVE_INFINITY;
        List<Map<String, Object>> mutations = new ArrayList<>();
        for (int i = 1; i <= count; i++) {
            double sort = Math.round(random.nextDouble() * 1_000_000) / 4.0;
            largest = Math.max(largest, sort);
            mutations.add(create(clientID, i, "t-" + i, sort));
            if (mutations.size() == 500 || i == count) {
                given().contentType(ContentType.JSON).queryParam("spaceID", space)
                        .body(pushBody("g", mutations)).post("/api/replicache/push").then().statusCode(200);
                mutations.clear();
            }
        }
        return largest;
    }

    private static Map<String, Object> create(String clientID, long id, String todo, Double sort) {
        Map<String, Object> args = new HashMap<>(Map.of("id", todo, "text", todo, "completed", false));
        if (sort != null) {
            args.put("sort", sort);
        }
        return mutation(clientID, id, "createTodo", args);
    }

    /** Each todo's sort, as the client reads it (a double), from a whole-state pull. */
    private static Map<String, Double> sorts(String space) throws IOException {
        JsonNode pulled = JSON.readTree(Protocol.pull(space, "observer-" + client(), null).then().statusCode(200)
                .extract().asString());
        Map<String, Double> sorts = new HashMap<>();
        for (JsonNode op : pulled.path("patch")) {
            JsonNode sort = op.path("value").path("sort");
            if (op.path("op").asText().equals("put") && sort.isNumber()) {
                sorts.put(op.path("key").asText(), sort.doubleValue());
            }
        }
        return sorts;
    }

    private void insertEntry(String space, String key, String json) throws SQLException {
        try (Connection connection = dataSource.getConnection();
                PreparedStatement put = connection.prepareStatement("""
                        INSERT INTO entry (space_id, key, value, version)
                        SELECT id, ?, ?::json, version FROM space WHERE id = ?""")) {
            put.setString(1, key);
            put.setString(2, json);
            put.setString(3, space);
            assertEquals(1, put.executeUpdate());
        }
    }
}
