package io.github.replicachequarkus.console;

import static io.github.replicachequarkus.testing.PresenceFrames.presence;
import static io.github.replicachequarkus.testing.Protocol.client;
import static io.github.replicachequarkus.testing.Protocol.mutation;
import static io.github.replicachequarkus.testing.Protocol.pushOk;
import static io.github.replicachequarkus.testing.Protocol.space;
import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.is;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;

import io.github.replicachequarkus.testing.TestSocket;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;

/** The console's endpoints on one machine without routing (open mode: anyone may use the server API). */
@QuarkusTest
class ConsoleApiTest {

    @TestHTTPResource("/")
    URI base;

    @Test
    void theMachinesListThisMachineWithItsSockets() {
        String space = space();
        try (TestSocket socket = TestSocket.open(base, space)) {
            socket.hello(client(), "g-" + space, null);
            JsonPath machines = given().get("/api/machines").then().statusCode(200).extract().jsonPath();
            assertEquals(1, machines.getList("machines").size());
            assertEquals(machines.getString("self"), machines.getString("machines[0].id"));
            assertEquals("serving", machines.getString("machines[0].state"));
            assertEquals("local", machines.getString("machines[0].region"));
            assertTrue(machines.getInt("machines[0].sockets") >= 1, machines.prettify());
            assertTrue(machines.getInt("machines[0].rooms") >= 1, machines.prettify());
        }
    }

    @Test
    void theBusiestRoomsComeBySocketsThenChangesThenId() {
        String prefix = space() + "-";
        String crowded = prefix + "crowded";
        String lively = prefix + "lively";
        String quiet = prefix + "quiet";
        pushOk(lively, "g-writer", mutation(client(), 1, "put", Map.of("key", "k", "value", 0)));
        try (TestSocket a = TestSocket.open(base, crowded);
                TestSocket b = TestSocket.open(base, crowded);
                TestSocket c = TestSocket.open(base, lively);
                TestSocket d = TestSocket.open(base, quiet)) {
            a.hello(client(), "g-a", null);
            b.hello(client(), "g-b", null);
            c.hello(client(), "g-c", null);
            d.hello(client(), "g-d", null);
            String writer = client();
            for (int i = 1; i <= 3; i++) {
                pushOk(lively, "g-writer2", mutation(writer, i, "put", Map.of("key", "k", "value", i)));
            }

            JsonPath busiest = given().queryParam("prefix", prefix).get("/api/rooms/busiest").then().statusCode(200)
                    .extract().jsonPath();

            assertEquals(3, busiest.getInt("total"));
            assertEquals(List.of(crowded, lively, quiet), busiest.getList("rooms.spaceID"));
            assertEquals(List.of(2, 1, 1), busiest.getList("rooms.sockets"));
            assertEquals(List.of(0, 3, 0), busiest.getList("rooms.changesPerMinute"));
            assertEquals(4, busiest.getLong("rooms[1].version"), "the lively space's version");
            assertEquals(given().get("/api/machines").then().extract().path("self"), busiest.getString("rooms[0].owner"));

            JsonPath second = given().queryParam("prefix", prefix).queryParam("offset", 1).queryParam("limit", 1)
                    .get("/api/rooms/busiest").then().statusCode(200).extract().jsonPath();
            assertEquals(3, second.getInt("total"));
            assertEquals(List.of(lively), second.getList("rooms.spaceID"));
        }
    }

    @Test
    void theActivityStreamSendsAtOnceThenWhenASocketJoins() throws Exception {
        String prefix = space() + "-";
        HttpRequest request = HttpRequest.newBuilder(base.resolve("/api/activity?limit=5&prefix=" + prefix))
                .header("Accept", "text/event-stream").build();
        LinkedBlockingQueue<String> data = new LinkedBlockingQueue<>();
        HttpResponse<Stream<String>> stream = HttpClient.newHttpClient().send(request,
                HttpResponse.BodyHandlers.ofLines());
        assertEquals(200, stream.statusCode());
        assertTrue(stream.headers().firstValue("content-type").orElse("").startsWith("text/event-stream"));
        Thread reader = Thread.ofVirtual().start(() -> stream.body().filter(line -> line.startsWith("data:"))
                .forEach(line -> data.add(line.substring(5).strip())));
        try {
            long opened = System.nanoTime();
            JsonPath first = new JsonPath(data.poll(5, TimeUnit.SECONDS));
            assertTrue(Duration.ofNanos(System.nanoTime() - opened).toMillis() < 1_000, "the first event comes at once");
            assertEquals(0, first.getInt("rooms.total"));
            assertEquals(first.getString("machines.self"), first.getString("machines.machines[0].id"));
            assertEquals(null, data.poll(1500, TimeUnit.MILLISECONDS), "nothing changed: no event");

            try (TestSocket socket = TestSocket.open(base, prefix + "room")) {
                socket.hello(client(), "g-" + prefix, null);
                long joined = System.nanoTime();
                String next = data.poll(5, TimeUnit.SECONDS);
                assertTrue(next != null && Duration.ofNanos(System.nanoTime() - joined).toMillis() < 2_500,
                        "an event within about 2 s of the join");
                JsonPath changed = new JsonPath(next);
                assertEquals(List.of(prefix + "room"), changed.getList("rooms.rooms.spaceID"));
                assertEquals(1, changed.getInt("rooms.rooms[0].sockets"));
            }
        } finally {
            stream.body().close();
            reader.interrupt();
        }
    }

    @Test
    void aQuietActivityStreamSendsAKeepAliveComment() throws Exception {
        HttpRequest request = HttpRequest.newBuilder(base.resolve("/api/activity?prefix=" + space())).build();
        LinkedBlockingQueue<String> lines = new LinkedBlockingQueue<>();
        HttpResponse<Stream<String>> stream = HttpClient.newHttpClient().send(request,
                HttpResponse.BodyHandlers.ofLines());
        Thread reader = Thread.ofVirtual().start(() -> stream.body().forEach(lines::add));
        try {
            long until = System.nanoTime() + Duration.ofSeconds(20).toNanos();
            String line;
            do {
                line = lines.poll(until - System.nanoTime(), TimeUnit.NANOSECONDS);
            } while (line != null && !line.startsWith(":"));
            assertEquals(":keep-alive", line, "a comment within 20 s");
        } finally {
            stream.body().close();
            reader.interrupt();
        }
    }

    @Test
    void theMetricsHistoryIsSampledFromTheMeters() {
        await().atMost(Duration.ofSeconds(15)).untilAsserted(() -> {
            JsonPath history = given().get("/api/metrics/history").then().statusCode(200).extract().jsonPath();
            assertEquals(10, history.getInt("intervalSeconds"));
            assertEquals(List.of("pushesPerSecond", "pokesPerSecond", "sockets", "pokeLatencyP99Ms"),
                    List.copyOf(history.getMap("series").keySet()));
            List<List<Number>> sockets = history.getList("series.sockets");
            assertTrue(!sockets.isEmpty(), "sampled at start, then every 10 s");
            assertTrue(sockets.get(0).get(0).longValue() > 1_700_000_000_000L, "epoch milliseconds");
        });
    }

    @Test
    void badPagesOfBusiestRoomsAreRefused() {
        for (String limit : List.of("0", "101", "x", "-1")) {
            given().queryParam("limit", limit).get("/api/rooms/busiest").then().statusCode(400)
                    .body("error", is("InvalidLimit"));
            given().queryParam("limit", limit).get("/api/activity").then().statusCode(400)
                    .body("error", is("InvalidLimit"));
        }
        for (String offset : List.of("-1", "one", "99999999999")) {
            given().queryParam("offset", offset).get("/api/rooms/busiest").then().statusCode(400)
                    .body("error", is("InvalidOffset"));
        }
    }

    @Test
    void presenceListsTheClientsOfTheRoom() {
        String space = space();
        String clientID = client();
        try (TestSocket socket = TestSocket.open(base, space)) {
            socket.hello(clientID, "g-" + space, null);
            socket.send(presence(Map.of("name", "Ana")));
            await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> given().get("/api/spaces/" + space + "/presence")
                    .then().statusCode(200).body("present.clientID", is(List.of(clientID)))
                    .body("present[0].state.name", is("Ana")).body("present[0].userID", is("")));
        }
        given().get("/api/spaces/" + space() + "/presence").then().statusCode(200).body("present", is(List.of()));
        given().get("/api/spaces/bad%20id/presence").then().statusCode(400);
    }

    @Test
    void clientGroupsComeInIdOrderWithTheirClientsAndSockets() {
        String space = space();
        String first = client();
        String second = client();
        pushOk(space, "g-1", mutation(first, 1, "put", Map.of("key", "a", "value", 1)),
                mutation(first, 2, "put", Map.of("key", "b", "value", 2)));
        pushOk(space, "g-2", mutation(second, 1, "put", Map.of("key", "c", "value", 3)));
        try (TestSocket socket = TestSocket.open(base, space); TestSocket other = TestSocket.open(base, space)) {
            socket.hello(second, "g-2", null);
            other.hello(client(), "g-2", null);

            JsonPath page = given().queryParam("limit", 1).get("/api/spaces/" + space + "/clients").then()
                    .statusCode(200).extract().jsonPath();
            assertEquals(List.of("g-1"), page.getList("clientGroups.clientGroupID"));
            assertEquals(List.of(Map.of("clientID", first, "lastMutationID", 2, "lastModifiedVersion", 1)),
                    page.getList("clientGroups[0].clients"));
            assertEquals(0, page.getInt("clientGroups[0].sockets"));
            assertTrue(page.getString("clientGroups[0].lastActiveAt").endsWith("Z"));
            assertEquals("g-1", page.getString("next"));

            JsonPath next = given().queryParam("after", "g-1").get("/api/spaces/" + space + "/clients").then()
                    .statusCode(200).extract().jsonPath();
            assertEquals(List.of("g-2"), next.getList("clientGroups.clientGroupID"));
            assertEquals(2, next.getInt("clientGroups[0].sockets"));
            assertEquals(List.of(second), next.getList("clientGroups[0].clients.clientID"));
            assertEquals(null, next.getString("next"));
        }
        given().get("/api/spaces/" + space() + "/clients").then().statusCode(404).body("error", is("SpaceNotFound"));
        given().queryParam("limit", 0).get("/api/spaces/" + space + "/clients").then().statusCode(400)
                .body("error", is("InvalidLimit"));
    }

    @Test
    void closingTheSocketsSendsThemAwayWith4010() {
        String space = space();
        pushOk(space, "g-w", mutation(client(), 1, "put", Map.of("key", "a", "value", 1)));
        try (TestSocket a = TestSocket.open(base, space); TestSocket b = TestSocket.open(base, space)) {
            a.hello(client(), "g-a", null);
            b.hello(client(), "g-b", null);

            given().post("/api/spaces/" + space + "/sockets/close").then().statusCode(200).body("closed", is(2));

            assertEquals(4010, a.closeCode());
            assertEquals(4010, b.closeCode());
        }
        given().post("/api/spaces/" + space() + "/sockets/close").then().statusCode(404)
                .body("error", is("SpaceNotFound"));
    }
}
