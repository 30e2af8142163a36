package io.github.replicachequarkus.routing;

import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.is;

import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import io.github.replicachequarkus.testing.Protocol;
import io.github.replicachequarkus.testing.TestSocket;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;

@QuarkusTest
class RoomsResourceTest {

    @TestHTTPResource("/")
    URI base;

    @Test
    void listsTheNewestRoomsWithTheirVersionAndSockets() {
        String older = Protocol.space();
        String newer = Protocol.space();
        given().contentType(ContentType.JSON).body(Map.of("spaceID", older)).post("/api/replicache/createSpace");
        given().contentType(ContentType.JSON).body(Map.of("spaceID", newer)).post("/api/replicache/createSpace");
        Protocol.pushOk(newer, "g1", Protocol.mutation(Protocol.client(), 1, "increment", "n"));

        try (TestSocket socket = TestSocket.open(base, newer)) {
            socket.hello(Protocol.client(), "g2", null);
            await().atMost(Duration.ofSeconds(5)).until(() -> {
                List<Map<String, Object>> rooms = given().get("/api/rooms").then().statusCode(200).extract()
                        .jsonPath().getList("rooms");
                int newerAt = indexOf(rooms, newer);
                int olderAt = indexOf(rooms, older);
                return newerAt >= 0 && olderAt > newerAt && rooms.get(newerAt).get("sockets").equals(1)
                        && rooms.get(newerAt).get("version").equals(1) && rooms.get(olderAt).get("sockets").equals(0);
            });
        }
        given().get("/api/rooms").then().body("rooms.find { it.spaceID == '" + older + "' }.version", is(0));
    }

    private static int indexOf(List<Map<String, Object>> rooms, String spaceID) {
        for (int i = 0; i < rooms.size(); i++) {
            if (spaceID.equals(rooms.get(i).get("spaceID"))) {
                return i;
            }
        }
        return -1;
    }
}
