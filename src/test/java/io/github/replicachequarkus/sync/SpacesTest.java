package io.github.replicachequarkus.sync;

import static io.github.replicachequarkus.testing.Protocol.space;
import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.matchesPattern;

import java.util.Map;

import org.junit.jupiter.api.Test;

import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;

@QuarkusTest
class SpacesTest {

    @Test
    void createSpaceMakesOneThatExists() {
        String id = given().contentType(ContentType.JSON).body("{}").post("/api/replicache/createSpace")
                .then().statusCode(200).body("spaceID", matchesPattern("[a-z2-7]{20}")).extract().path("spaceID");

        given().contentType(ContentType.JSON).body(Map.of("spaceID", id)).post("/api/replicache/spaceExists")
                .then().statusCode(200).body("spaceExists", is(true));
    }

    @Test
    void createSpaceTakesAnIdAndIsIdempotent() {
        String id = space();
        for (int i = 0; i < 2; i++) {
            given().contentType(ContentType.JSON).body(Map.of("spaceID", id)).post("/api/replicache/createSpace")
                    .then().statusCode(200).body("spaceID", is(id));
        }
    }

    @Test
    void anUnknownSpaceDoesNotExist() {
        given().contentType(ContentType.JSON).body(Map.of("spaceID", space())).post("/api/replicache/spaceExists")
                .then().statusCode(200).body("spaceExists", is(false));
    }

    @Test
    void badSpaceRequestsAreRefused() {
        given().contentType(ContentType.JSON).body(Map.of("spaceID", "no spaces")).post("/api/replicache/createSpace")
                .then().statusCode(400).body("error", is("InvalidSpaceID"));
        given().contentType(ContentType.JSON).body("{}").post("/api/replicache/spaceExists")
                .then().statusCode(400).body("error", is("InvalidSpaceID"));
        given().contentType(ContentType.JSON).body(Map.of("spaceID", 12)).post("/api/replicache/spaceExists")
                .then().statusCode(400).body("error", is("InvalidRequest"));
    }
}
