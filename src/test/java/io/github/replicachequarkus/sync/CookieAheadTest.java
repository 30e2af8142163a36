package io.github.replicachequarkus.sync;

import static io.github.replicachequarkus.testing.Protocol.client;
import static io.github.replicachequarkus.testing.Protocol.mutation;
import static io.github.replicachequarkus.testing.Protocol.pullAs;
import static io.github.replicachequarkus.testing.Protocol.pushAs;
import static io.github.replicachequarkus.testing.Protocol.puts;
import static io.github.replicachequarkus.testing.Protocol.space;
import static io.github.replicachequarkus.testing.Tokens.bearer;
import static io.github.replicachequarkus.testing.Tokens.token;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.net.URI;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;

import io.agroal.api.AgroalDataSource;
import io.github.replicachequarkus.testing.AuthModes;
import io.github.replicachequarkus.testing.TestSocket;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.path.json.JsonPath;

/**
 * Cookies from ahead of the space (a client forked from a newer snapshot, a database restored from a backup, or a
 * hostile client): the answer is the whole state with a cookie greater than the client's, and the space's version
 * moves forward only for a writer, and never near what JavaScript numbers hold.
 */
@QuarkusTest
@TestProfile(AuthModes.TokenProfile.class)
class CookieAheadTest {

    private static final long MAX_SAFE_INTEGER = (1L << 53) - 1;

    @TestHTTPResource("/")
    URI base;

    @Inject
    AgroalDataSource dataSource;

    @Test
    void aReaderFromAheadGetsTheWholeStateWithoutMovingTheVersion() {
        String space = space();
        String writer = writer(space);
        push(space, writer, "n", 3);
        long version = pull(space, writer, null).getLong("cookie");
        String reader = bearer(token("reader", Map.of(space, "r")));

        JsonPath ahead = pull(space, reader, version + 5);
        assertEquals(ahead(version + 6, version), ahead.getMap("cookie"),
                "a cookie greater than the reader's own, that says which state it holds");
        assertEquals("clear", ahead.getString("patch[0].op"));
        assertEquals(Map.of("n", 3), puts(ahead));
        assertEquals(version, pull(space, writer, null).getLong("cookie"), "the reader did not move the version");

        JsonPath edge = pull(space, reader, MAX_SAFE_INTEGER - 1);
        assertEquals(ahead(MAX_SAFE_INTEGER, version), edge.getMap("cookie"), "the greatest cookie a client can hold");
        assertEquals(version, pull(space, writer, null).getLong("cookie"), "the reader did not move the version");
        assertEquals("ClientStateNotFound", pull(space, reader, MAX_SAFE_INTEGER).getString("error"),
                "no cookie exceeds it: the client must start over");

        push(space, writer, "n", 1);
        assertEquals(version + 1, pull(space, writer, null).getLong("cookie"), "the next push takes the next version");
    }

    @Test
    void aWriterFromAheadRaisesTheVersionButNotPastTheCeiling() {
        String space = space();
        String writer = writer(space);
        push(space, writer, "n", 1);
        long version = pull(space, writer, null).getLong("cookie");

        assertEquals(version + 11, pull(space, writer, version + 10).getLong("cookie"));
        assertEquals(version + 11, pull(space, writer, null).getLong("cookie"), "raised to meet the writer's cookie");

        long absurd = (1L << 52) + 10;
        JsonPath far = pull(space, writer, absurd);
        assertEquals(ahead(absurd + 1, version + 11), far.getMap("cookie"), "still a greater cookie");
        assertEquals(Map.of("n", 1), puts(far));
        assertEquals(version + 11, pull(space, writer, null).getLong("cookie"), "not raised past 2^52");
    }

    @Test
    void aReaderCreatesNeitherASpaceNorAClientGroup() throws SQLException {
        String unknown = space();
        String reader = bearer(token("reader", Map.of(unknown, "r")));
        JsonPath empty = pull(unknown, reader, null);
        assertEquals(0, empty.getLong("cookie"));
        assertEquals(List.of(Map.of("op", "clear")), empty.getList("patch"));
        try (TestSocket socket = TestSocket.open(base, unknown)) {
            JsonNode reply = socket.hello(client(), "g-" + client(), null, reader);
            assertEquals(0, reply.path("cookie").asLong(-1));
        }
        assertEquals(0, count("SELECT count(*) FROM space WHERE id = ?", unknown), "no space row");

        String space = space();
        push(space, writer(space), "n", 1);
        pull(space, bearer(token("reader", Map.of(space, "r"))), null);
        assertEquals(1, count("SELECT count(*) FROM client_group WHERE space_id = ?", space),
                "only the writer's group has a row");
    }

    @Test
    void aReadersSocketFromAheadIsPokedAboveItsCookieWithWhatChanged() {
        String space = space();
        String writer = writer(space);
        push(space, writer, "n", 2);
        long version = pull(space, writer, null).getLong("cookie");
        String reader = bearer(token("reader", Map.of(space, "r")));
        try (TestSocket socket = TestSocket.open(base, space)) {
            JsonNode reply = socket.hello(client(), "g-" + client(), version + 5, reader);
            assertEquals(version + 5, reply.path("baseCookie").asLong());
            assertEquals(aheadJson(version + 6, version), reply.path("cookie").toString());
            assertEquals("clear", reply.path("patch").path(0).path("op").asText());

            push(space, writer, "m", 1);
            JsonNode poke = socket.next();
            assertEquals("poke", poke.path("message").asText(), poke.toString());
            assertEquals(aheadJson(version + 6, version), poke.path("baseCookie").toString(),
                    "from the cookie it was sent");
            assertEquals(aheadJson(version + 7, version + 1), poke.path("cookie").toString(),
                    "above it, though the space is at " + (version + 1));
            assertEquals("[{\"op\":\"put\",\"key\":\"m\",\"value\":1}]", poke.path("patch").toString(),
                    "only what changed since the state it was sent");
        }
        assertEquals(version + 1, pull(space, writer, null).getLong("cookie"));
    }

    /**
     * A reader from ahead holds the state of the version it was sent, under a greater cookie. Once writers take the
     * space past that cookie, its next pull (or hello, after a reconnect) must still bring every change since the state
     * it holds, not only those after its cookie's number.
     */
    @Test
    void aReaderFromAheadMissesNoChangeWhenTheSpacePassesItsCookie() {
        String space = space();
        String writer = writer(space);
        push(space, writer, "n", 1);
        long version = pull(space, writer, null).getLong("cookie");
        String reader = bearer(token("reader", Map.of(space, "r")));
        Map<String, Object> held = pull(space, reader, version + 3).getMap("cookie");
        assertEquals(ahead(version + 4, version), held);

        for (int key = 1; key <= 6; key++) {
            push(space, writer, "k" + key, 1); // one version each: the space passes the reader's cookie
        }
        JsonPath pulled = pull(space, reader, held);
        assertEquals(version + 6, pulled.getLong("cookie"), "past its cookie, a plain number again");
        Map<String, Object> expected = new HashMap<>();
        for (int key = 1; key <= 6; key++) {
            expected.put("k" + key, 1);
        }
        assertEquals(expected, puts(pulled), "every change since the state it holds, none before its cookie skipped");

        try (TestSocket socket = TestSocket.open(base, space)) {
            JsonNode reply = socket.hello(client(), "g-" + client(), held, reader);
            assertEquals(version + 6, reply.path("cookie").asLong(-1), reply.toString());
            assertEquals(6, reply.path("patch").size(), "the same over a socket: " + reply);
        }
    }

    @Test
    void theNextPushContinuesFromARaisedVersion() {
        String space = space();
        String writer = writer(space);
        push(space, writer, "n", 1);
        long version = pull(space, writer, null).getLong("cookie");
        pull(space, writer, version + 3);
        push(space, writer, "n", 1);
        assertEquals(version + 5, pull(space, writer, null).getLong("cookie"));
        assertFalse(pull(space, writer, version + 5).getList("patch").contains(Map.of("op", "clear")),
                "the cookie it holds is one this server issued");
    }

    /** A cookie issued ahead of the space, as JSON read back. */
    private static Map<String, Object> ahead(long order, long version) {
        return Map.of("order", narrow(order), "version", narrow(version));
    }

    private static String aheadJson(long order, long version) {
        return "{\"order\":" + order + ",\"version\":" + version + "}";
    }

    /** As REST Assured's JSON reads a whole number: an Integer when it fits, else a Long. */
    private static Object narrow(long value) {
        return value == (int) value ? (Object) (int) value : (Object) value;
    }

    private static String writer(String space) {
        return bearer(token("writer", Map.of(space, "rw")));
    }

    private static void push(String space, String auth, String key, int times) {
        String clientID = client();
        for (int id = 1; id <= times; id++) {
            pushAs(auth, space, "g-" + clientID, mutation(clientID, id, "increment", key)).then().statusCode(200);
        }
    }

    private static JsonPath pull(String space, String auth, Object cookie) {
        return pullAs(auth, space, "g-pull-" + client(), cookie).then().statusCode(200).extract().jsonPath();
    }

    private long count(String sql, String parameter) throws SQLException {
        try (Connection connection = dataSource.getConnection();
                PreparedStatement query = connection.prepareStatement(sql)) {
            query.setString(1, parameter);
            try (ResultSet rows = query.executeQuery()) {
                rows.next();
                return rows.getLong(1);
            }
        }
    }
}
