package io.github.replicachequarkus.console;

import static io.github.replicachequarkus.testing.Protocol.client;
import static io.github.replicachequarkus.testing.Protocol.space;
import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;

import io.agroal.api.AgroalDataSource;
import io.github.replicachequarkus.testing.TestSocket;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.path.json.JsonPath;

/**
 * The console's endpoints with routing on: this instance is machine {@code m-here}; the test plays the other machines
 * of the app through the database, as their heartbeats would write it.
 */
@QuarkusTest
@TestProfile(ConsoleRoutingTest.OnFly.class)
class ConsoleRoutingTest {

    public static class OnFly implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("replicache.routing.machine-id", "m-here", "replicache.routing.app", "app-console",
                    "replicache.routing.region", "ams", "replicache.routing.heartbeat-interval", "1s",
                    "replicache.routing.replay-secret", "the replay secret of the console test, 32+ bytes");
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

    /** Another machine of the app, as its last heartbeat left it. */
    private void machine(String id, String heartbeatAge, boolean draining, int sockets, int rooms) throws Exception {
        sql("INSERT INTO machine (id, app, region, heartbeat_at, draining, sockets, rooms)"
                + " VALUES (?, 'app-console', 'fra', now() - ?::interval, ?, ?, ?)"
                + " ON CONFLICT (id) DO UPDATE SET heartbeat_at = excluded.heartbeat_at, draining = excluded.draining,"
                + " sockets = excluded.sockets, rooms = excluded.rooms", id, heartbeatAge, draining, sockets, rooms);
    }

    @Test
    void theMachinesAreTheAppsLiveAndDrainingOnesWithWhatTheyReported() throws Exception {
        machine("m-draining", "1 s", true, 7, 2);
        machine("m-dead", "60 s", false, 3, 1);
        String space = space();
        sql("INSERT INTO placement (space_id, machine_id) VALUES (?, 'm-here')", space);
        try (TestSocket socket = TestSocket.open(base, space)) {
            socket.hello(client(), "g-" + space, null);
            await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> {
                JsonPath machines = given().get("/api/machines").then().statusCode(200).extract().jsonPath();
                assertEquals("m-here", machines.getString("self"));
                assertEquals(List.of("m-draining", "m-here"), machines.getList("machines.id"));
                assertEquals(List.of("draining", "serving"), machines.getList("machines.state"));
                assertEquals(List.of("fra", "ams"), machines.getList("machines.region"));
                assertEquals(7, machines.getInt("machines[0].sockets"));
                assertEquals(2, machines.getInt("machines[0].rooms"));
                assertTrue(machines.getInt("machines[1].sockets") >= 1, "the heartbeat reports the socket");
                assertTrue(machines.getLong("machines[0].heartbeatAgeMs") >= 1000);
                assertTrue(machines.getLong("machines[1].heartbeatAgeMs") < 5000);
            });
        }
    }

    @Test
    void theBusiestRoomsAreEveryLiveMachinesRooms() throws Exception {
        String prefix = space() + "-";
        machine("m-other", "0 s", false, 5, 1);
        machine("m-gone", "60 s", false, 9, 1);
        sql("INSERT INTO machine_room (machine_id, space_id, sockets, changes_per_minute) VALUES (?, ?, 5, 12)",
                "m-other", prefix + "elsewhere");
        sql("INSERT INTO placement (space_id, machine_id) VALUES (?, 'm-other')", prefix + "elsewhere");
        sql("INSERT INTO machine_room (machine_id, space_id, sockets, changes_per_minute) VALUES (?, ?, 9, 0)",
                "m-gone", prefix + "on-a-dead-machine");
        sql("INSERT INTO placement (space_id, machine_id) VALUES (?, 'm-here')", prefix + "here");
        try (TestSocket socket = TestSocket.open(base, prefix + "here")) {
            socket.hello(client(), "g-" + prefix, null);
            await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> {
                JsonPath busiest = given().queryParam("prefix", prefix).get("/api/rooms/busiest").then()
                        .statusCode(200).extract().jsonPath();
                assertEquals(2, busiest.getInt("total"));
                assertEquals(List.of(prefix + "elsewhere", prefix + "here"), busiest.getList("rooms.spaceID"));
                assertEquals(List.of(5, 1), busiest.getList("rooms.sockets"));
                assertEquals(List.of(12, 0), busiest.getList("rooms.changesPerMinute"));
                assertEquals(List.of("m-other", "m-here"), busiest.getList("rooms.owner"));
                assertEquals(List.of("fra", "ams"), busiest.getList("rooms.region"));
            });
        }
        await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertEquals(List.of(prefix + "elsewhere"),
                given().queryParam("prefix", prefix).get("/api/rooms/busiest").then().extract().jsonPath()
                        .getList("rooms.spaceID"),
                "a room gone from this machine goes from its report"));
    }

    @Test
    void presenceOfARoomOnAnotherMachineIsReplayedThere() throws Exception {
        String space = space();
        machine("m-other", "0 s", false, 0, 0);
        sql("INSERT INTO placement (space_id, machine_id) VALUES (?, 'm-other')", space);

        var replayed = given().get("/api/spaces/" + space + "/presence").then().statusCode(421).extract();
        String replay = replayed.header("fly-replay");
        assertTrue(replay.startsWith("instance=m-other;state="), replay);

        String here = space();
        sql("INSERT INTO placement (space_id, machine_id) VALUES (?, 'm-here')", here);
        try (TestSocket socket = TestSocket.open(base, here)) {
            socket.hello(client(), "g-" + here, null);
            given().get("/api/spaces/" + here + "/presence").then().statusCode(200);
        }
        given().header("fly-replay-src", "instance=m-here;state=forged").get("/api/spaces/" + space + "/presence")
                .then().statusCode(403);
    }
}
