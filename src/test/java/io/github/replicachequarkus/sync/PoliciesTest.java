package io.github.replicachequarkus.sync;

import static io.github.replicachequarkus.testing.Protocol.client;
import static io.github.replicachequarkus.testing.Protocol.mutation;
import static io.github.replicachequarkus.testing.Protocol.space;
import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.is;

import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.http.ContentType;

/** The deployment's policies: which schema versions may sync, and whether unknown spaces are created. */
@QuarkusTest
@TestProfile(PoliciesTest.Strict.class)
class PoliciesTest {

    public static class Strict implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("replicache.sync.schema-versions", "v2,v3", "replicache.sync.auto-create-spaces", "false");
        }
    }

    private static Map<String, Object> pull(String schemaVersion) {
        return Map.of("pullVersion", 1, "clientGroupID", "g1", "schemaVersion", schemaVersion);
    }

    @Test
    void otherSchemaVersionsGetVersionNotSupported() {
        String space = given().contentType(ContentType.JSON).body("{}").post("/api/replicache/createSpace")
                .then().extract().path("spaceID");
        given().contentType(ContentType.JSON).queryParam("spaceID", space).body(pull("v1"))
                .post("/api/replicache/pull")
                .then().statusCode(200).body("error", is("VersionNotSupported")).body("versionType", is("schema"));
        given().contentType(ContentType.JSON).queryParam("spaceID", space)
                .body(Map.of("pushVersion", 1, "clientGroupID", "g1", "schemaVersion", "v1", "mutations",
                        List.of(mutation(client(), 1, "increment", "n"))))
                .post("/api/replicache/push")
                .then().statusCode(200).body("error", is("VersionNotSupported")).body("versionType", is("schema"));
        given().contentType(ContentType.JSON).queryParam("spaceID", space).body(pull("v3"))
                .post("/api/replicache/pull")
                .then().statusCode(200).body("cookie", is(0));
    }

    @Test
    void unknownSpacesAreNotCreatedWhenTheDeploymentSaysSo() {
        String space = space();
        given().contentType(ContentType.JSON).queryParam("spaceID", space).body(pull("v2"))
                .post("/api/replicache/pull")
                .then().statusCode(404).body("error", is("SpaceNotFound"));
        given().contentType(ContentType.JSON).queryParam("spaceID", space)
                .body(Map.of("pushVersion", 1, "clientGroupID", "g1", "schemaVersion", "v2", "mutations",
                        List.of(mutation(client(), 1, "increment", "n"))))
                .post("/api/replicache/push")
                .then().statusCode(404).body("error", is("SpaceNotFound"));
        given().contentType(ContentType.JSON).body(Map.of("spaceID", space)).post("/api/replicache/spaceExists")
                .then().body("spaceExists", is(false));
    }
}
