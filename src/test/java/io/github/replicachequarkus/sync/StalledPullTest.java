package io.github.replicachequarkus.sync;

import static io.github.replicachequarkus.testing.Protocol.client;
import static io.github.replicachequarkus.testing.Protocol.mutation;
import static io.github.replicachequarkus.testing.Protocol.pushBody;
import static io.github.replicachequarkus.testing.Protocol.seedLarge;
import static io.github.replicachequarkus.testing.Protocol.space;
import static io.github.replicachequarkus.testing.Tokens.token;
import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;

import io.agroal.api.AgroalDataSource;
import io.github.replicachequarkus.testing.AuthModes;
import io.github.replicachequarkus.testing.RawSocket;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.http.ContentType;

/**
 * Clients that ask for a large space's whole state and never read it: they hold no database connection meanwhile,
 * and one user runs a bounded number of such pulls at once.
 */
@QuarkusTest
@TestProfile(StalledPullTest.Tight.class)
class StalledPullTest {

    public static class Tight implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            Map<String, String> config = new HashMap<>();
            config.put("replicache.sync.max-full-pulls-per-user", "2");
            return AuthModes.tokenMode(config);
        }
    }

    @TestHTTPResource("/")
    URI base;

    @Inject
    AgroalDataSource dataSource;

    @Test
    void pullsThatNobodyReadsHoldNoConnectionAndAreBoundedPerUser() throws Exception {
        String space = space();
        String writer = token("writer", Map.of(space, "rw"));
        seedLarge(space, writer, 20 << 20); // 20 MB: more than the sockets' buffers can take
        String stalling = token("stalling", Map.of(space, "r"));
        List<Socket> stalled = new ArrayList<>();
        try {
            stalled.add(pullWithoutReading(base, space, stalling));
            stalled.add(pullWithoutReading(base, space, stalling));
            Thread.sleep(1_500); // the server has sent what the buffers take, and waits for the rest to be read

            assertEquals(0, openTransactions(), "no transaction is held while the stalled clients (do not) read");
            assertEquals(429, pull(space, stalling).statusCode(), "a third whole-state pull of the same user");
            assertEquals(200, pull(space, token("someone-else", Map.of(space, "r"))).statusCode(),
                    "another user is served meanwhile");
            given().contentType(ContentType.JSON).header("Authorization", "Bearer " + writer).queryParam("spaceID", space)
                    .body(pushBody("g-w", List.of(mutation(client(), 1, "increment", "n"))))
                    .post("/api/replicache/push").then().statusCode(200);
        } finally {
            for (Socket socket : stalled) {
                socket.close();
            }
        }
    }

    /**
     * Clients that send a whole-state pull and hang up at once, before any of the reply could be sent: each pull's
     * place among the user's whole-state pulls (and its spooled reply) is given back, or a few of them would lock the
     * user out for good.
     */
    @Test
    void pullsWhoseClientsLeaveAtOnceGiveTheirPlaceBack() throws Exception {
        String space = space();
        seedLarge(space, token("writer", Map.of(space, "rw")), 2 << 20);
        String leaver = token("leaver", Map.of(space, "r"));
        String body = "{\"pullVersion\":1,\"clientGroupID\":\"g-" + client() + "\",\"cookie\":null}";
        for (int i = 0; i < 20; i++) {
            try (Socket socket = new Socket()) {
                socket.connect(new InetSocketAddress(base.getHost(), base.getPort()));
                socket.setSoLinger(true, 0); // closing resets the connection
                socket.getOutputStream().write(("POST /api/replicache/pull?spaceID=" + space + " HTTP/1.1\r\n"
                        + "Host: localhost\r\nContent-Type: application/json\r\nAuthorization: Bearer " + leaver
                        + "\r\nContent-Length: " + body.length() + "\r\n\r\n" + body).getBytes(StandardCharsets.US_ASCII));
                Thread.sleep(10L * i); // gone at another moment each: while it is decided, spooled, or being sent
            }
        }
        // Every one is decided, spooled and let go meanwhile: no spool (and no file) is left of them.
        await().atMost(Duration.ofSeconds(20)).until(() -> Spool.live() == 0);
        for (int i = 0; i < 3; i++) {
            assertEquals(200, pull(space, leaver).statusCode(), "the user's whole-state pulls were given back");
        }
    }

    private static io.restassured.response.Response pull(String space, String token) {
        return given().contentType(ContentType.JSON).header("Authorization", "Bearer " + token)
                .queryParam("spaceID", space)
                .body("{\"pullVersion\":1,\"clientGroupID\":\"g-" + client() + "\",\"cookie\":null}")
                .post("/api/replicache/pull");
    }

    /** Asks for the whole state with a tiny receive buffer, reads the status line, and then reads nothing more. */
    static Socket pullWithoutReading(URI base, String space, String token) throws IOException {
        Socket socket = RawSocket.stalledPull(base, space, "Authorization: Bearer " + token);
        String status = RawSocket.statusLine(socket);
        assertTrue(status.startsWith("HTTP/1.1 200"), status);
        return socket;
    }

    /** Connections of the server that are in a transaction, other than this one. */
    private long openTransactions() throws SQLException {
        try (Connection connection = dataSource.getConnection();
                Statement query = connection.createStatement();
                ResultSet rows = query.executeQuery("SELECT count(*) FROM pg_stat_activity WHERE pid <> pg_backend_pid() "
                        + "AND datname = current_database() AND xact_start IS NOT NULL")) {
            rows.next();
            return rows.getLong(1);
        }
    }
}
