package io.github.replicachequarkus.auth;

import static io.github.replicachequarkus.testing.Protocol.client;
import static io.github.replicachequarkus.testing.Protocol.mutation;
import static io.github.replicachequarkus.testing.Protocol.pullAs;
import static io.github.replicachequarkus.testing.Protocol.pushAs;
import static io.github.replicachequarkus.testing.Protocol.puts;
import static io.github.replicachequarkus.testing.Protocol.space;
import static io.github.replicachequarkus.testing.Tokens.bearer;
import static io.github.replicachequarkus.testing.Tokens.token;
import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.is;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.jose4j.jws.AlgorithmIdentifiers;
import org.jose4j.keys.HmacKey;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;

import io.github.replicachequarkus.testing.AuthModes;
import io.github.replicachequarkus.testing.TestSocket;
import io.github.replicachequarkus.testing.Tokens;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.http.ContentType;
import io.restassured.response.Response;

/** Token mode (docs/protocol.md, section Auth): who may pull, push and listen, over HTTP and in rooms. */
@QuarkusTest
@TestProfile(TokenAuthTest.TokenMode.class)
class TokenAuthTest {

    public static class TokenMode implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return AuthModes.tokenMode(Map.of());
        }
    }

    @TestHTTPResource("/")
    URI base;

    @Test
    void aPushWithoutATokenGets401AndChangesNothing() {
        String space = space();
        push(space, null, mutation(client(), 1, "increment", "n")).then().statusCode(401)
                .header("WWW-Authenticate", containsString("Bearer"))
                .body("error", is("Unauthorized"));
        assertEquals(Map.of(), state(space, writer(space)));
    }

    @Test
    void malformedForgedAndExpiredTokensGet401() {
        String space = space();
        String forged = token("mallory", Map.of("*", "rw"), Instant.now().plusSeconds(600), "x".repeat(40));
        String expired = token("u1", Map.of(space, "rw"), Instant.now().minusSeconds(120), Tokens.SECRET);
        for (String credentials : List.of("Bearer", "Bearer not.a.jwt", "garbage", bearer(forged), bearer(expired))) {
            pull(space, credentials).then().statusCode(401).body("error", is("Unauthorized"));
        }
        pull(space, bearer(expired)).then().body("message", containsString("expired"));
    }

    /** A validly signed token whose claims are nonsense is as invalid as a forged one: 401, never a 500. */
    @Test
    void signedTokensWithAnAbsurdExpOrABlankSubGet401() {
        String space = space();
        List<String> absurd = List.of(
                "{\"sub\":\"u1\",\"exp\":1e17,\"spaces\":{\"*\":\"rw\"}}",
                "{\"sub\":\"u1\",\"exp\":9223372036854775807,\"spaces\":{\"*\":\"rw\"}}",
                "{\"sub\":\"\",\"exp\":" + Instant.now().plusSeconds(600).getEpochSecond() + ",\"spaces\":{\"*\":\"rw\"}}",
                "{\"sub\":\" \",\"exp\":" + Instant.now().plusSeconds(600).getEpochSecond() + ",\"spaces\":{\"*\":\"rw\"}}");
        for (String claims : absurd) {
            String token = Tokens.sign(claims, AlgorithmIdentifiers.HMAC_SHA256,
                    new HmacKey(Tokens.SECRET.getBytes(StandardCharsets.UTF_8)));
            pull(space, bearer(token)).then().statusCode(401).body("error", is("Unauthorized"));
            push(space, bearer(token), mutation(client(), 1, "increment", "n")).then().statusCode(401);
            try (TestSocket socket = TestSocket.open(base, space)) {
                socket.send(hello(token));
                assertEquals(4401, socket.closeCode(), claims);
            }
        }
        assertEquals(Map.of(), state(space, writer(space)));
    }

    @Test
    void aTokenWithoutTheSpaceGets403() {
        String space = space();
        String elsewhere = bearer(token("u1", Map.of("other-*", "rw")));
        push(space, elsewhere, mutation(client(), 1, "increment", "n")).then().statusCode(403).body("error", is("Forbidden"));
        pull(space, elsewhere).then().statusCode(403);
    }

    @Test
    void aReadOnlyTokenMayPullButNotPush() {
        String space = space();
        String reader = bearer(token("reader", Map.of(space, "r")));
        push(space, writer(space), mutation(client(), 1, "increment", "n")).then().statusCode(200);

        push(space, reader, mutation(client(), 1, "increment", "n")).then().statusCode(403)
                .body("message", containsString("read-only"));
        assertEquals(Map.of("n", 1), state(space, reader), "the reader pulls; its push changed nothing");
    }

    @Test
    void theBareTokenIsAcceptedAsTheReplicacheClientSendsIt() {
        String space = space();
        push(space, token("u1", Map.of(space, "rw")), mutation(client(), 1, "increment", "n")).then().statusCode(200);
    }

    @Test
    void mutatorsSeeTheAuthenticatedUser() {
        String space = space();
        push(space, bearer(token("alice", Map.of("t-*", "rw"))), mutation(client(), 1, "whoami", "who")).then()
                .statusCode(200);
        assertEquals(Map.of("who", "alice"), state(space, writer(space)));
    }

    @Test
    void spacesAreCreatedAndLookedUpWithTheRightAccess() {
        String space = space();
        given().contentType(ContentType.JSON).header("Authorization", bearer(token("u1", Map.of(space, "r"))))
                .body(Map.of("spaceID", space)).post("/api/replicache/createSpace").then().statusCode(403);
        given().contentType(ContentType.JSON).header("Authorization", writer(space))
                .body(Map.of("spaceID", space)).post("/api/replicache/createSpace").then().statusCode(200);
        given().contentType(ContentType.JSON).body(Map.of("spaceID", space)).post("/api/replicache/spaceExists").then()
                .statusCode(401);
        given().contentType(ContentType.JSON).header("Authorization", bearer(token("u1", Map.of(space, "r"))))
                .body(Map.of("spaceID", space)).post("/api/replicache/spaceExists").then().statusCode(200)
                .body("spaceExists", is(true));
    }

    @Test
    void theRoomListShowsOnlyReadableRooms() {
        String mine = space();
        String theirs = space();
        push(mine, writer(mine), mutation(client(), 1, "increment", "n")).then().statusCode(200);
        push(theirs, writer(theirs), mutation(client(), 1, "increment", "n")).then().statusCode(200);

        given().get("/api/rooms").then().statusCode(401);
        List<String> listed = given().header("Authorization", bearer(token("u1", Map.of(mine, "r")))).get("/api/rooms")
                .then().statusCode(200).extract().jsonPath().getList("rooms.spaceID");
        assertEquals(List.of(mine), listed);
    }

    @Test
    void thePokeStreamNeedsReadAccessFromTheHeaderOrTheQuery() {
        String space = space();
        given().queryParam("spaceID", space).get("/api/replicache/poke").then().statusCode(401);
        given().queryParam("spaceID", space).queryParam("auth", token("u1", Map.of("zzz", "r")))
                .get("/api/replicache/poke").then().statusCode(403);
    }

    @Test
    void aSocketWithoutATokenIsClosedWith4401AtItsHello() {
        String space = space();
        try (TestSocket socket = TestSocket.open(base, space)) {
            socket.send(hello(null));
            assertEquals(4401, socket.closeCode());
        }
    }

    @Test
    void aSocketWithoutTheSpaceIsClosedWith4403() {
        String space = space();
        try (TestSocket socket = TestSocket.open(base, space)) {
            socket.send(hello(token("u1", Map.of("elsewhere", "rw"))));
            assertEquals(4403, socket.closeCode());
        }
    }

    @Test
    void theTokenMayComeInTheQueryString() {
        String space = space();
        try (TestSocket socket = TestSocket.open(base, space + "?auth=" + token("u1", Map.of(space, "r")))) {
            JsonNode poke = socket.hello(client(), "g1", null);
            assertEquals(0, poke.path("cookie").asLong());
        }
    }

    /**
     * Presence shows the token's user, whatever the frame says, and readers show up too; the server API needs read
     * access to the space.
     */
    @Test
    void presenceShowsTheTokensUserAndNeedsOnlyReading() {
        String space = space();
        String anaClient = client();
        try (TestSocket ana = TestSocket.open(base, space + "?auth=" + token("ana", Map.of(space, "r")));
                TestSocket bo = TestSocket.open(base, space + "?auth=" + token("bo", Map.of(space, "r")))) {
            ana.hello(anaClient, "g-" + anaClient, null);
            ana.nextEvent();
            bo.hello(client(), "g-bo", null);
            bo.nextEvent();

            ana.send(Map.of("messageType", "presence", "userID", "eve", "state", Map.of("name", "Ana")));
            JsonNode change = bo.nextEvent().path("changes").get(0);
            assertEquals(anaClient, change.path("clientID").asText());
            assertEquals("ana", change.path("userID").asText(), "the token's sub, not the frame's userID");

            given().header("Authorization", bearer(token("bo", Map.of(space, "r"))))
                    .queryParam("spaceID", space).get("/api/replicache/presence").then().statusCode(200)
                    .body("present.userID", is(List.of("ana")));
            given().queryParam("spaceID", space).get("/api/replicache/presence").then().statusCode(401);
            given().header("Authorization", bearer(token("bo", Map.of("elsewhere", "r"))))
                    .queryParam("spaceID", space).get("/api/replicache/presence").then().statusCode(403);
        }
    }

    @Test
    void aReadOnlySocketHearsChangesButItsPushesAreRefused() {
        String space = space();
        String reader = token("reader", Map.of(space, "r"));
        try (TestSocket socket = TestSocket.open(base, space)) {
            socket.send(hello(reader));
            assertEquals("poke", socket.next().path("message").asText());

            socket.send(Map.of("messageType", "push", "pushVersion", 1, "clientGroupID", "g-reader", "mutations",
                    List.of(mutation(client(), 1, "increment", "n")), "profileID", "p", "schemaVersion", ""));
            JsonNode refused = socket.next();
            assertEquals("error", refused.path("message").asText());
            assertEquals("Forbidden", refused.path("error").asText());

            push(space, writer(space), mutation(client(), 1, "increment", "n")).then().statusCode(200);
            JsonNode poke = socket.next();
            assertEquals("poke", poke.path("message").asText(), "the socket is still open and served");
            assertEquals(1, poke.path("patch").get(0).path("value").asInt(), "only the writer's increment: " + poke);
        }
    }

    @Test
    void aSocketIsClosedWith4401WhenItsTokenExpires() {
        String space = space();
        // Long enough for a slow start to answer the hello well before the token runs out (exp is in whole seconds).
        Instant expiry = Instant.now().plusSeconds(6);
        String shortLived = token("u1", Map.of(space, "rw"), expiry, Tokens.SECRET);
        try (TestSocket socket = TestSocket.open(base, space)) {
            socket.send(hello(shortLived));
            JsonNode reply = socket.poll(Duration.ofSeconds(5));
            assertEquals("poke", reply == null ? null : reply.path("message").asText(),
                    () -> "the hello is answered before the token expires; got " + reply + ", close code "
                            + socket.closeCodeNow());
            assertNull(socket.closeCodeNow(), "still open after the hello's reply");

            assertEquals(4401, socket.closeCode(), "closed when the token expired");
            assertTrue(!Instant.now().isBefore(expiry.truncatedTo(ChronoUnit.SECONDS)), "closed no earlier than the expiry");
        }
    }

    private static String writer(String space) {
        return bearer(token("writer", Map.of(space, "rw")));
    }

    private static Map<String, Object> hello(String auth) {
        Map<String, Object> hello = new HashMap<>();
        hello.put("messageType", "hello");
        hello.put("clientID", client());
        hello.put("clientGroupID", "g-" + client());
        hello.put("cookie", null);
        if (auth != null) {
            hello.put("auth", auth);
        }
        return hello;
    }

    @SafeVarargs
    private static Response push(String spaceID, String auth, Map<String, Object>... mutations) {
        return pushAs(auth, spaceID, "g-" + spaceID, mutations);
    }

    private static Response pull(String spaceID, String auth) {
        return pullAs(auth, spaceID, "g-pull-" + spaceID, null);
    }

    private static Map<String, Object> state(String spaceID, String auth) {
        return puts(pull(spaceID, auth).then().statusCode(200).extract().jsonPath());
    }
}
