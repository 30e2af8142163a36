package io.github.replicachequarkus.routing;

import static io.github.replicachequarkus.testing.Protocol.space;
import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.hasItem;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Instant;
import java.util.Map;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;

import io.agroal.api.AgroalDataSource;
import io.github.replicachequarkus.testing.TestSocket;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;

/** This instance plays machine {@code m-here} of a Fly app; the test plays the other machines through the database. */
@QuarkusTest
@TestProfile(RoomRoutingTest.OnFly.class)
class RoomRoutingTest {

    static final String SECRET = "the replay secret of this test, 32+ bytes";

    public static class OnFly implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("replicache.routing.machine-id", "m-here", "replicache.routing.app", "app-test",
                    "replicache.routing.region", "ams", "replicache.routing.replay-secret", SECRET);
        }
    }

    @TestHTTPResource("/")
    URI base;

    @Inject
    AgroalDataSource dataSource;

    private void sql(String statement, Object... parameters) throws Exception {
        try (Connection connection = dataSource.getConnection();
                PreparedStatement prepared = connection.prepareStatement(statement)) {
            for (int i = 0; i < parameters.length; i++) {
                prepared.setObject(i + 1, parameters[i]);
            }
            prepared.execute();
        }
    }

    /** Another machine of the app, alive (or dead, with a heartbeat a minute old). */
    private void machine(String id, boolean alive) throws Exception {
        sql("INSERT INTO machine (id, app, region, heartbeat_at) VALUES (?, 'app-test', 'fra', now() - ?::interval)"
                + " ON CONFLICT (id) DO UPDATE SET heartbeat_at = excluded.heartbeat_at", id, alive ? "0 s" : "60 s");
    }

    private void placeOn(String space, String machine) throws Exception {
        sql("INSERT INTO placement (space_id, machine_id) VALUES (?, ?)", space, machine);
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

    private java.net.http.HttpResponse<?> refusedUpgrade(String space, String replaySource) {
        return TestSocket.refusedUpgrade(base, space, replaySource == null ? Map.of() : Map.of("fly-replay-src", replaySource));
    }

    @Test
    void aRoomHostedHereIsServedAndRecorded() {
        String space = space();
        try (TestSocket socket = TestSocket.open(base, space)) {
            socket.hello("c-" + space, "g1", null);
        }
        given().get("/api/rooms").then().body("rooms.find { it.spaceID == '" + space + "' }.owner",
                org.hamcrest.Matchers.is("m-here"));
    }

    @Test
    void aRoomHostedElsewhereIsReplayedThereWithASignedState() throws Exception {
        String space = space();
        machine("m-other", true);
        placeOn(space, "m-other");

        var refusal = refusedUpgrade(space, null);

        assertEquals(421, refusal.statusCode());
        String replay = refusal.headers().firstValue("fly-replay").orElseThrow();
        assertTrue(replay.startsWith("instance=m-other;state="), replay);
        String state = replay.substring(replay.indexOf("state=") + 6);
        assertEquals("m-other", new ReplayState(SECRET).verify(state, space, Instant.now()).orElseThrow());
    }

    @Test
    void aReplayWithAValidStateIsServedWithoutLookingAgain() throws Exception {
        String space = space();
        machine("m-other", true);
        placeOn(space, "m-other");
        String state = new ReplayState(SECRET).sign(space, "m-here", Instant.now().plusSeconds(30));

        try (TestSocket socket = TestSocket.openWithHeader(base, space, "fly-replay-src",
                "instance=m-here;region=ams;t=1;state=" + state)) {
            socket.hello("c-" + space, "g1", null);
        }
    }

    @Test
    void aForgedOrForeignReplayStateIsRefused() {
        String space = space();
        String otherSpace = new ReplayState(SECRET).sign(space(), "m-here", Instant.now().plusSeconds(30));
        String forged = space + ".m-here." + (Instant.now().getEpochSecond() + 30) + ".forged";
        String expired = new ReplayState(SECRET).sign(space, "m-here", Instant.now().minusSeconds(5));

        for (String state : new String[] { forged, otherSpace, expired, "" }) {
            assertEquals(403, refusedUpgrade(space, "instance=m-here;state=" + state).statusCode(), state);
        }
        assertEquals(403, refusedUpgrade(space, "instance=m-here;region=ams").statusCode());
    }

    @Test
    void aRoomOfADeadMachineIsPlacedAgainOnALiveOne() throws Exception {
        String space = space();
        machine("m-dead", false);
        placeOn(space, "m-dead");

        try (TestSocket socket = TestSocket.open(base, space)) {
            socket.hello("c-" + space, "g1", null);
        }
        given().get("/api/rooms").then().body("rooms.findAll { it.spaceID == '" + space + "' }.owner", hasItem("m-here"));
    }

    @Test
    void aHelloWhoseRoomWasPlacedElsewhereMeanwhileIsSentThere() throws Exception {
        String space = space();
        machine("m-other", false); // the room goes here
        try (TestSocket socket = TestSocket.open(base, space)) {
            machine("m-other", true);
            sql("UPDATE placement SET machine_id = 'm-other' WHERE space_id = ?", space);

            socket.send(Map.of("messageType", "hello", "clientID", "c-" + space, "clientGroupID", "g1"));

            assertEquals(4010, socket.closeCode());
        } finally {
            machine("m-other", false);
        }
        assertEquals("m-other", placementOf(space));
    }

    @Test
    void aRoomWhosePlacementWentAwayIsPlacedAgainByTheHello() throws Exception {
        String space = space();
        machine("m-other", false); // the room goes here
        try (TestSocket socket = TestSocket.open(base, space)) {
            sql("DELETE FROM placement WHERE space_id = ?", space);

            socket.hello("c-" + space, "g1", null);
        }
        assertEquals("m-here", placementOf(space));
    }

    @Test
    void theMachineIsReady() {
        given().get("/q/health/ready").then().statusCode(200).body("checks.name", hasItem("machine"));
    }
}
