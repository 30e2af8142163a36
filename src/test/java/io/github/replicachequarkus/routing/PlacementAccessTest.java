package io.github.replicachequarkus.routing;

import static io.github.replicachequarkus.testing.Protocol.space;
import static io.github.replicachequarkus.testing.Tokens.bearer;
import static io.github.replicachequarkus.testing.Tokens.token;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.http.HttpResponse;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.logging.Level;
import java.util.logging.LogRecord;

import jakarta.inject.Inject;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import io.agroal.api.AgroalDataSource;
import io.github.replicachequarkus.testing.AuthModes;
import io.github.replicachequarkus.testing.LogCapture;
import io.github.replicachequarkus.testing.TestSocket;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;

/**
 * Routing in token mode: a room is placed only for a caller who may read its space. This instance plays machine
 * {@code m-auth}; the test plays another machine, {@code m-peer}, through the database.
 */
@QuarkusTest
@TestProfile(PlacementAccessTest.OnFlyWithTokens.class)
class PlacementAccessTest {

    public static class OnFlyWithTokens implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            Map<String, String> config = new HashMap<>(new AuthModes.Token().start());
            config.putAll(Map.of("replicache.routing.machine-id", "m-auth", "replicache.routing.app", "app-auth",
                    "replicache.routing.region", "ams", "replicache.routing.replay-secret",
                    "the replay secret of the placement test, 32+ bytes"));
            return config;
        }
    }

    @TestHTTPResource("/")
    URI base;

    @Inject
    AgroalDataSource dataSource;

    @Inject
    UnusedPlacements unusedPlacements;

    /** Only this machine is alive unless a test says otherwise: a fresh space's room would be placed here. */
    @BeforeEach
    @AfterEach
    void peerIsDead() throws Exception {
        peer(false);
    }

    private void sql(String statement, Object... parameters) throws Exception {
        try (Connection connection = dataSource.getConnection();
                PreparedStatement prepared = connection.prepareStatement(statement)) {
            for (int i = 0; i < parameters.length; i++) {
                prepared.setObject(i + 1, parameters[i]);
            }
            prepared.execute();
        }
    }

    /** The other machine of the app, alive or dead (its heartbeat a minute old). */
    private void peer(boolean alive) throws Exception {
        sql("INSERT INTO machine (id, app, region, heartbeat_at) VALUES ('m-peer', 'app-auth', 'fra', now() - ?::interval)"
                + " ON CONFLICT (id) DO UPDATE SET heartbeat_at = excluded.heartbeat_at", alive ? "0 s" : "60 s");
    }

    /** Places the space on the machine, as if that was done the given interval ago. */
    private void placedAgo(String space, String machine, String interval) throws Exception {
        sql("INSERT INTO placement (space_id, machine_id, placed_at) VALUES (?, ?, now() - ?::interval)", space, machine,
                interval);
    }

    /** The machine the space is placed on; null when it is not placed. */
    private String placementOf(String space) throws Exception {
        try (Connection connection = dataSource.getConnection();
                PreparedStatement query = connection.prepareStatement("SELECT machine_id FROM placement WHERE space_id = ?")) {
            query.setString(1, space);
            try (ResultSet row = query.executeQuery()) {
                return row.next() ? row.getString(1) : null;
            }
        }
    }

    /** The room's path with the {@code auth} query parameter (a JWT needs no escaping in a URL). */
    private static String withAuth(String space, String token) {
        return space + "?auth=" + token;
    }

    private static String reader(String space) {
        return token("u-" + space, Map.of(space, "r"));
    }

    /** A valid token without any right to the space. */
    private static String stranger(String space) {
        return token("u-stranger", Map.of("other-" + space, "rw"));
    }

    private static Map<String, Object> hello(String space, String auth) {
        Map<String, Object> hello = new HashMap<>(Map.of("messageType", "hello", "clientID", "c-" + space,
                "clientGroupID", "g-" + space));
        if (auth != null) {
            hello.put("auth", auth);
        }
        return hello;
    }

    @Test
    void anUpgradeWithoutCredentialsPlacesNothingAndTheAuthorisedHelloPlacesTheRoom() throws Exception {
        String space = space();
        try (TestSocket socket = TestSocket.open(base, space)) {
            assertNull(placementOf(space), "an upgrade without credentials places nothing");

            socket.hello("c-" + space, "g1", null, reader(space));

            assertEquals("m-auth", placementOf(space));
        }
    }

    @Test
    void anUpgradeWithoutCredentialsIsSentWhereTheRoomIsOrWouldBeButPlacesNothing() throws Exception {
        peer(true);
        String unplaced;
        do {
            unplaced = space();
        } while (!Rendezvous.choose(unplaced, List.of("m-auth", "m-peer")).orElseThrow().equals("m-peer"));
        String placed = space();
        sql("INSERT INTO placement (space_id, machine_id) VALUES (?, 'm-peer')", placed);

        for (String space : List.of(unplaced, placed)) {
            HttpResponse<?> refusal = TestSocket.refusedUpgrade(base, space, Map.of());

            assertEquals(421, refusal.statusCode());
            assertTrue(refusal.headers().firstValue("fly-replay").orElseThrow().startsWith("instance=m-peer;state="));
        }
        assertNull(placementOf(unplaced), "the room is placed by the hello on the machine it is sent to");
        assertEquals("m-peer", placementOf(placed));
    }

    @Test
    void anUpgradeWithCredentialsHasThemCheckedAndPlacesTheRoomOnlyForAReader() throws Exception {
        String space = space();

        assertEquals(401, TestSocket.refusedUpgrade(base, withAuth(space, "not-a-token"), Map.of()).statusCode());
        assertEquals(403, TestSocket.refusedUpgrade(base, withAuth(space, stranger(space)), Map.of()).statusCode());
        assertEquals(403, TestSocket.refusedUpgrade(base, space, Map.of("Authorization", bearer(stranger(space))))
                .statusCode());
        assertNull(placementOf(space), "a refused upgrade places nothing");

        try (TestSocket socket = TestSocket.open(base, withAuth(space, reader(space)))) {
            assertEquals("m-auth", placementOf(space), "a reader's upgrade places the room");
        }
    }

    @Test
    void aHelloThatIsNotAuthorisedPlacesNothing() throws Exception {
        String space = space();
        try (TestSocket socket = TestSocket.open(base, space)) {
            socket.send(hello(space, stranger(space)));
            assertEquals(4403, socket.closeCode());
        }
        try (TestSocket socket = TestSocket.open(base, space)) {
            socket.send(hello(space, null));
            assertEquals(4401, socket.closeCode());
        }
        assertNull(placementOf(space));
    }

    @Test
    void theHousekeepingRemovesPlacementsOfSpacesWithNoDataWhoseRoomIsNotOpen() throws Exception {
        String open = space(); // a reader's room, open here
        TestSocket socket = TestSocket.open(base, open);
        socket.hello("c-" + open, "g1", null, reader(open));
        sql("UPDATE placement SET placed_at = now() - interval '2 hours' WHERE space_id = ?", open);
        peer(true);
        sql("INSERT INTO machine (id, app, region, heartbeat_at) VALUES ('m-gone', 'app-auth', 'fra', now() - interval"
                + " '1 hour') ON CONFLICT (id) DO UPDATE SET heartbeat_at = excluded.heartbeat_at");
        List<String> unused = List.of(space(), space(), space(), space(), space());
        sql("INSERT INTO space (id, deleted_at) VALUES (?, now())", unused.get(4)); // deleted: it has no data
        placedAgo(unused.get(4), "m-auth", "2 hours");
        placedAgo(unused.get(0), "m-auth", "2 hours");
        placedAgo(unused.get(1), "m-auth", "2 hours");
        placedAgo(unused.get(2), "m-auth", "2 hours");
        placedAgo(unused.get(3), "m-gone", "2 hours");
        String withData = space();
        sql("INSERT INTO space (id) VALUES (?)", withData);
        placedAgo(withData, "m-auth", "2 hours");
        String fresh = space();
        placedAgo(fresh, "m-auth", "1 minute");
        String peers = space(); // its machine is alive: only it knows whether the room is open
        placedAgo(peers, "m-peer", "2 hours");

        try (socket) {
            assertTrue(unusedPlacements.run(2) >= unused.size(), "in batches of 2, until none is left");

            for (String space : unused) {
                assertNull(placementOf(space), space);
            }
            assertEquals("m-auth", placementOf(withData), "a space with data keeps its placement");
            assertEquals("m-auth", placementOf(fresh), "a placement younger than the age is kept");
            assertEquals("m-peer", placementOf(peers), "a live machine's placement is its own to remove");
            assertEquals("m-auth", placementOf(open), "a room open here keeps its placement");
        }

        long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(10);
        while (placementOf(open) != null && System.nanoTime() < deadline) {
            Thread.sleep(100); // the socket's close reaches the server
            unusedPlacements.run();
        }
        assertNull(placementOf(open), "once its last socket is gone, the room's placement goes too");
    }

    /** A client can cause these as often as it likes: a line each at info or warn would be theirs to flood the log. */
    @Test
    void refusedAndAnonymousUpgradesAndNewPlacementsLogAtDebugOnly() throws Exception {
        String space = space();
        String forged = "instance=m-auth;state=" + space + ".m-auth." + (System.currentTimeMillis() / 1000 + 30) + ".forged";
        List<LogRecord> records;
        try (LogCapture log = LogCapture.of("io.github.replicachequarkus")) {
            assertEquals(403, TestSocket.refusedUpgrade(base, space, Map.of("fly-replay-src", forged)).statusCode());
            assertEquals(401, TestSocket.refusedUpgrade(base, withAuth(space, "not-a-token"), Map.of()).statusCode());
            assertEquals(403, TestSocket.refusedUpgrade(base, withAuth(space, stranger(space)), Map.of()).statusCode());
            try (TestSocket socket = TestSocket.open(base, space)) {
                socket.hello("c-" + space, "g1", null, reader(space)); // places the room
            }
            records = log.records();
        }

        assertEquals("m-auth", placementOf(space));
        assertTrue(records.stream().anyMatch(record -> LogCapture.message(record).contains("Refused a replayed upgrade")),
                "the refusals are logged (the tests log debug)");
        for (LogRecord record : records) {
            assertTrue(record.getLevel().intValue() < Level.INFO.intValue(),
                    () -> record.getLevel() + ": " + LogCapture.message(record));
        }
    }
}
