package io.github.replicachequarkus.sync;

import static io.github.replicachequarkus.testing.RandomCases.chance;
import static io.github.replicachequarkus.testing.RandomCases.oneOf;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.UUID;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.github.replicachequarkus.testing.JsonFuzz;
import io.github.replicachequarkus.testing.RandomCases;
import io.github.replicachequarkus.testing.RawHttp;
import io.github.replicachequarkus.testing.Sentinel;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;

/**
 * Thousands of malformed requests to the HTTP endpoints (push, pull, createSpace, spaceExists, the SSE poke stream):
 * valid requests mutated (a field of the wrong type, a huge or odd number, hostile text, deep nesting, a field dropped
 * or duplicated, the body truncated or spliced), hostile query strings and content types, and bodies that are not
 * requests at all. Bad input must get a 4xx with a JSON error, never a 5xx; a sentinel space, whose client the
 * requests name in other spaces, must not change; and the server must still serve afterwards.
 * <p>
 * The seed is fixed, so a run is repeatable; {@code -Dreplicache.fuzz.seed=S} tries others.
 */
@QuarkusTest
class HttpFuzzTest {

    private static final long SEED = 0x5eed_0001L;
    private static final ObjectMapper JSON = new ObjectMapper();

    @TestHTTPResource("/")
    URI base;

    /** What one fuzz case sent, for the failure message. */
    private record Request(String method, String pathAndQuery, String contentType, String body) {
        @Override
        public String toString() {
            String shown = body == null ? ""
                    : body.length() > 300 ? body.substring(0, 300) + "... (" + body.length()
                            + " chars)" : body;
            return method + " " + pathAndQuery + " [" + contentType + "] " + shown;
        }
    }

    @Test
    void mutatedRequestsGetA4xxOrAnAnswerButNeverA5xx() {
        RawHttp http = new RawHttp(base);
        Sentinel sentinel = Sentinel.create(http);
        List<String> spaces = List.of("fuzz-" + UUID.randomUUID(), "fuzz-" + UUID.randomUUID());

        RandomCases.check("HTTP fuzz", 3000, SEED, random -> {
            Request request = randomRequest(random, spaces, sentinel);
            RawHttp.Reply reply = send(http, request);
            assertSane(request, reply);
        });

        sentinel.assertUnchanged("the HTTP fuzz");
        assertEquals(200, http.post("/api/replicache/pull", spaces.get(0), "{\"pullVersion\":1,\"clientGroupID\":\"g\"}")
                .status(), "the server still serves");
    }

    @Test
    void hostileRequestsAimedAtASpaceChangeNothingInIt() {
        RawHttp http = new RawHttp(base);
        Sentinel sentinel = Sentinel.create(http);
        String space = "?spaceID=" + sentinel.space();
        String group = sentinel.clientGroupID();
        String client = sentinel.clientID();
        // Mutation 7 of the sentinel's client, whose last is 4: a gap, so even a variant that is valid changes nothing.
        String mutation = "{\"clientID\":\"" + client + "\",\"id\":7,\"name\":\"put\",\"args\":{\"key\":\"a\",\"value\":0}}";
        String push = "{\"pushVersion\":1,\"clientGroupID\":\"" + group + "\",\"mutations\":[" + mutation + "]}";

        List<String> pushes = new ArrayList<>(List.of("", " ", "not json", "null", "[]", "{}", "\"text\"",
                push.substring(0, push.length() - 2), push + "}", push + " trailing", "[" + push + "]",
                push.replace("\"pushVersion\":1", "\"pushVersion\":1,\"pushVersion\":1"),
                push.replace("\"clientID\"", "\"clientID\":\"x\",\"clientID\""),
                push.replace(group, "intruder"), push.replace("\"mutations\":[", "\"mutations\":[null,"),
                push.replace("\"mutations\":[", "\"mutations\":[7,"), push.replace("[" + mutation + "]", "{}"),
                push.replace("[" + mutation + "]", "\"" + mutation.replace("\"", "\\\"") + "\""),
                push.replace("[" + mutation + "]", "[" + mutation + ",{\"clientID\":\"" + client + "\",\"id\":\"6\"}]"),
                push.replace("\"args\":{\"key\":\"a\",\"value\":0}",
                        "\"args\":" + "[".repeat(5000) + "]".repeat(5000)),
                push.replace("\"value\":0", "\"value\":" + "{\"a\":".repeat(1500) + "0" + "}".repeat(1500)),
                "{\"pushVersion\":1,\"clientGroupID\":\"" + group + "\",\"mutations\":[" + (mutation + ",").repeat(10_001)
                        + mutation + "]}",
                push.replace("\"args\":{\"key\":\"a\",\"value\":0}", "\"args\":\"" + "x".repeat(5 << 20) + "\"")));
        for (String field : List.of("\"pushVersion\":1", "\"clientGroupID\":\"" + group + "\"",
                "\"clientID\":\"" + client + "\"",
                "\"id\":7", "\"name\":\"put\"")) {
            String name = field.substring(0, field.indexOf(':'));
            for (String wrong : List.of("null", "true", "\"1\"", "1.5", "-1", "0", "1e400", "9223372036854775808",
                    "-9223372036854775809", "2147483648", "[]", "{}", "NaN", "\"\"", "\"\\u0000\"", "\"\\ud800\"",
                    "\"" + "x".repeat(300) + "\"")) {
                pushes.add(push.replace(field, name + ":" + wrong));
            }
            pushes.add(push.replace(field + ",", "").replace("," + field, ""));
        }
        List<Request> requests = new ArrayList<>();
        for (String body : pushes) {
            requests.add(new Request("POST", "/api/replicache/push" + space, "application/json", body));
        }
        for (String query : List.of("", "?spaceID=", space + "&spaceID=other", "?spaceID=other" + space.replace('?', '&'),
                space + "%00", space.toUpperCase())) {
            requests.add(new Request("POST", "/api/replicache/push" + query, "application/json", push.replace("\"id\":7",
                    "\"id\":\"7\"")));
        }
        for (String contentType : List.of("text/plain", "application/x-www-form-urlencoded", "application/xml", "")) {
            requests.add(new Request("POST", "/api/replicache/push" + space, contentType, push));
        }
        for (String cookie : List.of("null", "0", "1", "\"zzz\"", "[1]", "true", "{\"order\":\"zzz\"}", "{}",
                "\"" + "9".repeat(20) + "\"", "9007199254740992", "1e300", "NaN",
                // Far ahead, where not even a writer's pull may raise the version (above 2^52), or shapes that raise
                // nothing: the sentinel's version must stay where it is.
                "9007199254740990", "9007199254740991", "4503599627370497", "-1", "-1e300",
                "{\"order\":9007199254740990,\"version\":0}", "{\"order\":4503599627370497,\"version\":9007199254740990}",
                "{\"order\":-5,\"version\":-1}", "{\"order\":0,\"version\":2,\"x\":3}", "{\"version\":0}",
                "{\"order\":null,\"version\":0}")) {
            requests.add(new Request("POST", "/api/replicache/pull" + space, "application/json",
                    "{\"pullVersion\":1,\"clientGroupID\":\"" + group + "\",\"cookie\":" + cookie + "}"));
        }
        requests.add(new Request("POST", "/api/replicache/createSpace", "application/json",
                "{\"spaceID\":\"" + sentinel.space() + "\"}"));
        requests.add(new Request("POST", "/api/replicache/spaceExists", "application/json",
                "{\"spaceID\":\"" + sentinel.space() + "\",\"spaceID\":\"x\"}"));
        requests.add(new Request("GET", "/api/replicache/poke" + space, null, null));

        for (Request request : requests) {
            RawHttp.Reply reply = send(http, request);
            assertSane(request, reply);
            if (request.body() != null && request.body().equals(push.replace(group, "intruder"))) {
                assertEquals(400, reply.status(), "a client of another group: " + reply.body());
            }
            sentinel.assertUnchanged(request.toString());
        }
    }

    private static RawHttp.Reply send(RawHttp http, Request request) {
        if (request.method().equals("GET")) {
            return http.open(request.pathAndQuery());
        }
        return http.post(request.pathAndQuery(), request.contentType(), request.body().getBytes(StandardCharsets.UTF_8));
    }

    /** Never a 5xx; a 4xx says what was wrong in a JSON error; a 200 is JSON of the endpoint's shape. */
    private static void assertSane(Request request, RawHttp.Reply reply) {
        String what = request + "\n -> " + reply.status() + " " + reply.body();
        assertTrue(reply.status() < 500, what);
        if (request.pathAndQuery().startsWith("/api/replicache/poke") && reply.status() == 200) {
            assertTrue(reply.contentType().startsWith("text/event-stream"), what);
            return;
        }
        JsonNode body;
        try {
            body = JSON.readTree(reply.body());
        } catch (Exception e) {
            throw new AssertionError("not JSON: " + what, e);
        }
        assertTrue(body != null && body.isObject(), what);
        if (reply.status() >= 400) {
            assertTrue(body.path("error").isTextual() && body.path("message").isTextual(), what);
            assertTrue(!reply.body().contains("Exception") && !reply.body().contains("java."), "a Java detail: " + what);
        } else if (request.pathAndQuery().startsWith("/api/replicache/pull") && !body.has("error")) {
            JsonNode cookie = body.path("cookie");
            assertTrue(cookie.isIntegralNumber() || cookie.path("order").isIntegralNumber()
                    && cookie.path("version").isIntegralNumber() && cookie.size() == 2, "a cookie: " + what);
            assertTrue(body.path("lastMutationIDChanges").isObject() && body.path("patch").isArray(), what);
        }
    }

    private static Request randomRequest(Random random, List<String> spaces, Sentinel sentinel) {
        String endpoint = oneOf(random, "push", "push", "push", "push", "pull", "pull", "pull", "createSpace",
                "spaceExists", "poke", "other");
        String query = randomQuery(random, spaces);
        String contentType = chance(random, 0.92) ? "application/json"
                : oneOf(random, "text/plain", "application/json; charset=ISO-8859-1", "application/xml",
                        "application/x-www-form-urlencoded", "multipart/form-data; boundary=x", "*/*", "",
                        "application/json; charset=UTF-16");
        return switch (endpoint) {
            case "push" -> new Request("POST", "/api/replicache/push" + query, contentType,
                    body(random, validPush(random, sentinel)));
            case "pull" -> new Request("POST", "/api/replicache/pull" + query, contentType,
                    body(random, validPull(random, sentinel)));
            case "createSpace", "spaceExists" -> new Request("POST", "/api/replicache/" + endpoint, contentType,
                    body(random, JSON.createObjectNode().put("spaceID", oneOf(random, spaces))));
            case "poke" -> new Request("GET", "/api/replicache/poke" + query, null, null);
            default -> new Request(oneOf(random, "GET", "POST"), oneOf(random, "/api/replicache/", "/api/replicache/pushh",
                    "/api/replicache/push/extra", "/api/replicache/websocket/" + spaces.get(0), "/api/replicache/poke/x",
                    "/api/rooms?limit=-1") + (chance(random, 0.5) ? query : ""), contentType,
                    body(random, validPull(random, sentinel)));
        };
    }

    /** A mutated variant of the valid body, or now and then something else entirely. */
    private static String body(Random random, JsonNode valid) {
        int roll = random.nextInt(100);
        if (roll < 85) {
            return JsonFuzz.mutate(random, valid);
        } else if (roll < 95) {
            return JsonFuzz.hostileValue(random);
        } else if (roll < 98) {
            return JsonFuzz.text(valid);
        }
        return JsonFuzz.randomText(random);
    }

    private static String randomQuery(Random random, List<String> spaces) {
        if (chance(random, 0.8)) {
            return "?spaceID=" + oneOf(random, spaces);
        }
        String hostile = oneOf(random, JsonFuzz.HOSTILE_TEXTS);
        return oneOf(random, "", "?", "?spaceID", "?spaceID=", "?spaceID=a&spaceID=b", "?SPACEID=x", "?spaceID=a%20b",
                "?spaceID=" + "s".repeat(65), "?spaceID=%F0%9F%98%80", "?spaceID=%00", "?spaceID=%C0%AF",
                "?spaceID=" + URLEncoder.encode(hostile.length() > 300 ? hostile.substring(0, 300) : hostile,
                        StandardCharsets.UTF_8),
                "?spaceID=" + oneOf(random, spaces) + "&auth=" + URLEncoder.encode(hostile.substring(0,
                        Math.min(hostile.length(), 300)), StandardCharsets.UTF_8));
    }

    private static JsonNode validPush(Random random, Sentinel sentinel) {
        ObjectNode push = JSON.createObjectNode().put("pushVersion", 1)
                .put("clientGroupID", id(random, oneOf(random, "g1", "g2", sentinel.clientGroupID())))
                .put("profileID", "p").put("schemaVersion", "");
        ArrayNode mutations = push.putArray("mutations");
        for (int i = random.nextInt(4); i > 0; i--) {
            ObjectNode mutation = mutations.addObject()
                    .put("clientID",
                            id(random, chance(random, 0.3) ? sentinel.clientID() : "fuzz-client-" + random.nextInt(20)))
                    .put("id", 1 + random.nextInt(6)).put("timestamp", random.nextDouble() * 1e12);
            switch (random.nextInt(6)) {
                case 0 -> mutation.put("name", "put").set("args",
                        JSON.createObjectNode().put("key", id(random, oneOf(random, "a", "b", "k"))).put("value",
                                id(random, "value")));
                case 1 -> mutation.put("name", "remove").put("args", id(random, oneOf(random, "a", "b", "k")));
                case 2 -> mutation.put("name", "increment").put("args", "n");
                case 3 -> mutation.put("name", "writeThenFail").put("args", "x");
                case 4 -> mutation.put("name", "createTodo").set("args",
                        JSON.createObjectNode().put("id", id(random, "t" + random.nextInt(5))).put("text", "x")
                                .put("completed", false));
                default -> mutation.put("name", "noSuchMutator").set("args", JSON.createObjectNode());
            }
        }
        return push;
    }

    /** Mostly the id, now and then hostile text in its place (valid JSON, which ids, keys and values must survive). */
    private static String id(Random random, String id) {
        return chance(random, 0.04) ? oneOf(random, JsonFuzz.HOSTILE_TEXTS) : id;
    }

    private static JsonNode validPull(Random random, Sentinel sentinel) {
        ObjectNode pull = JSON.createObjectNode().put("pullVersion", 1)
                .put("clientGroupID", id(random, oneOf(random, "g1", "g2", sentinel.clientGroupID())))
                .put("profileID", "p").put("schemaVersion", "");
        switch (random.nextInt(5)) {
            case 0 -> pull.putNull("cookie");
            case 1 -> pull.put("cookie", random.nextInt(10));
            case 2 -> pull.put("cookie", Long.toString(random.nextInt(100)));
            case 3 -> pull.putObject("cookie").put("order", random.nextInt(10) + 5).put("version", random.nextInt(10));
            default -> pull.putObject("cookie").put("order", random.nextInt(10));
        }
        return pull;
    }
}
