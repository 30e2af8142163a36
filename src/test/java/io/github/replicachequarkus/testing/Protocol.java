package io.github.replicachequarkus.testing;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.is;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import com.fasterxml.jackson.databind.JsonNode;

import io.restassured.RestAssured;
import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import io.restassured.response.Response;
import io.restassured.specification.RequestSpecification;

/** Push and pull as a Replicache client sends them, for tests. */
public final class Protocol {

    static {
        RestAssured.enableLoggingOfRequestAndResponseIfValidationFails();
    }

    private Protocol() {
    }

    /** A fresh space id, so that tests never see each other's data. */
    public static String space() {
        return "t-" + UUID.randomUUID();
    }

    /** A fresh client id: a client is one group's for life, within its space (another space's is another client). */
    public static String client() {
        return "c-" + UUID.randomUUID();
    }

    public static Map<String, Object> mutation(String clientID, long id, String name, Object args) {
        Map<String, Object> mutation = new HashMap<>();
        mutation.put("clientID", clientID);
        mutation.put("id", id);
        mutation.put("name", name);
        mutation.put("args", args);
        mutation.put("timestamp", 1.0);
        return mutation;
    }

    public static Map<String, Object> pushBody(String clientGroupID, List<Map<String, Object>> mutations) {
        return Map.of("pushVersion", 1, "clientGroupID", clientGroupID, "mutations", mutations, "profileID", "p1",
                "schemaVersion", "");
    }

    /**
     * Fills the space with about {@code bytes} of values of 50 KB each, pushed with the writer's token: a state larger
     * than the sockets' buffers, for tests of clients that do not read it.
     */
    public static void seedLarge(String spaceID, String writerToken, int bytes) {
        String big = "x".repeat(50_000);
        String clientID = client();
        int id = 0;
        for (int written = 0; written < bytes;) {
            List<Map<String, Object>> mutations = new ArrayList<>();
            for (int i = 0; i < 60; i++, written += big.length()) {
                id++;
                mutations.add(mutation(clientID, id, "put", Map.of("key", "k" + id, "value", big)));
            }
            pushAs("Bearer " + writerToken, spaceID, "g-seed", mutations).then().statusCode(200);
        }
    }

    @SafeVarargs
    public static Response push(String spaceID, String clientGroupID, Map<String, Object>... mutations) {
        return pushAs(null, spaceID, clientGroupID, List.of(mutations));
    }

    /** A push with the given {@code Authorization} header ({@code null}: none). */
    @SafeVarargs
    public static Response pushAs(String authorization, String spaceID, String clientGroupID,
            Map<String, Object>... mutations) {
        return pushAs(authorization, spaceID, clientGroupID, List.of(mutations));
    }

    public static Response pushAs(String authorization, String spaceID, String clientGroupID,
            List<Map<String, Object>> mutations) {
        return as(authorization).queryParam("spaceID", spaceID).body(pushBody(clientGroupID, mutations))
                .post("/api/replicache/push");
    }

    /** Pushes and expects the plain success reply. */
    @SafeVarargs
    public static void pushOk(String spaceID, String clientGroupID, Map<String, Object>... mutations) {
        push(spaceID, clientGroupID, mutations).then().statusCode(200).body("size()", is(0));
    }

    public static Response pull(String spaceID, String clientGroupID, Object cookie) {
        return pullAs(null, spaceID, clientGroupID, cookie);
    }

    /** A pull with the given {@code Authorization} header ({@code null}: none). */
    public static Response pullAs(String authorization, String spaceID, String clientGroupID, Object cookie) {
        Map<String, Object> body = new HashMap<>();
        body.put("pullVersion", 1);
        body.put("clientGroupID", clientGroupID);
        body.put("cookie", cookie);
        body.put("profileID", "p1");
        body.put("schemaVersion", "");
        return as(authorization).queryParam("spaceID", spaceID).body(body).post("/api/replicache/pull");
    }

    /** The keys a pull's patch puts, with their values (a whole-state pull: the space's state). */
    public static Map<String, Object> puts(JsonPath pulled) {
        Map<String, Object> state = new HashMap<>();
        for (Map<String, Object> op : pulled.<Map<String, Object>> getList("patch")) {
            if ("put".equals(op.get("op"))) {
                state.put((String) op.get("key"), op.get("value"));
            }
        }
        return state;
    }

    private static RequestSpecification as(String authorization) {
        RequestSpecification request = given().contentType(ContentType.JSON);
        return authorization == null ? request : request.header("Authorization", authorization);
    }

    /** Pulls, expects a PullResponse, and returns it. */
    public static JsonPath pullOk(String spaceID, String clientGroupID, Object cookie) {
        return pull(spaceID, clientGroupID, cookie).then().statusCode(200).extract().jsonPath();
    }

    /** The space's whole state as a fresh client sees it: key to value. */
    public static Map<String, Object> state(String spaceID) {
        return puts(pullOk(spaceID, "observer-" + UUID.randomUUID(), null));
    }

    /** The space's version, as the cookie of a fresh pull. */
    public static long version(String spaceID) {
        return pullOk(spaceID, "observer-" + UUID.randomUUID(), null).getLong("cookie");
    }

    /** A JSON object of numbers (lastMutationIDChanges) as a map. */
    public static Map<String, Object> map(JsonNode object) {
        Map<String, Object> map = new HashMap<>();
        object.properties().forEach(field -> map.put(field.getKey(), field.getValue().isIntegralNumber()
                ? (Object) field.getValue().intValue()
                : field.getValue().toString()));
        return map;
    }

    public static List<Map<String, Object>> list(Object... items) {
        List<Map<String, Object>> list = new ArrayList<>();
        for (Object item : items) {
            @SuppressWarnings("unchecked")
            Map<String, Object> map = (Map<String, Object>) item;
            list.add(map);
        }
        return list;
    }
}
