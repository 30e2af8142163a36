package io.github.replicachequarkus.sync;

import static io.github.replicachequarkus.testing.Protocol.client;
import static io.github.replicachequarkus.testing.Protocol.mutation;
import static io.github.replicachequarkus.testing.Protocol.pushOk;
import static io.github.replicachequarkus.testing.Protocol.space;
import static io.github.replicachequarkus.testing.Protocol.state;
import static io.github.replicachequarkus.testing.Protocol.version;
import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.notNullValue;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;

/** Bad input of every kind gets a 4xx with a JSON error naming the problem, and changes nothing. */
@QuarkusTest
class MalformedRequestTest {

    private String space;
    private String client;
    private long version;

    @BeforeEach
    void aSpaceWithData() {
        space = space();
        client = client();
        pushOk(space, "g1", mutation(client, 1, "increment", "n"));
        version = version(space);
    }

    /** Each case: the push body (with C standing for an existing client's id), the status, the error and a hint. */
    @ParameterizedTest(name = "{3}")
    @CsvSource(delimiter = '|', quoteCharacter = '`', textBlock = """
            not json                                                                               | 400 | InvalidRequest | not valid JSON
            {"pushVersion":1,"clientGroupID":"g1","mutations":[]                                   | 400 | InvalidRequest | not valid JSON
            {"pushVersion":1,"clientGroupID":"g1","mutations":[]} trailing                         | 400 | InvalidRequest | not valid JSON
            [1,2]                                                                                  | 400 | InvalidRequest | wrong shape
            "a string"                                                                             | 400 | InvalidRequest | wrong shape
            `{}`                                                                                   | 400 | InvalidRequest | pushVersion
            {"pushVersion":"1","clientGroupID":"g1","mutations":[]}                                | 400 | InvalidRequest | pushVersion
            {"pushVersion":1,"mutations":[]}                                                       | 400 | InvalidRequest | clientGroupID
            {"pushVersion":1,"clientGroupID":"","mutations":[]}                                    | 400 | InvalidRequest | clientGroupID
            {"pushVersion":1,"clientGroupID":7,"mutations":[]}                                     | 400 | InvalidRequest | clientGroupID
            {"pushVersion":1,"clientGroupID":"g1"}                                                 | 400 | InvalidRequest | mutations
            {"pushVersion":1,"clientGroupID":"g1","mutations":{}}                                  | 400 | InvalidRequest | mutations
            {"pushVersion":1,"clientGroupID":"g1","mutations":[null]}                              | 400 | InvalidRequest | mutations[0]
            {"pushVersion":1,"clientGroupID":"g1","mutations":[7]}                                 | 400 | InvalidRequest | mutations[0]
            {"pushVersion":1,"clientGroupID":"g1","mutations":[{"clientID":"C","id":2.5,"name":"increment","args":"n"}]}  | 400 | InvalidRequest | mutations[0].id
            {"pushVersion":1,"clientGroupID":"g1","mutations":[{"clientID":"C","id":"2","name":"increment","args":"n"}]}  | 400 | InvalidRequest | mutations[0].id
            {"pushVersion":1,"clientGroupID":"g1","mutations":[{"clientID":"C","id":0,"name":"increment","args":"n"}]}    | 400 | InvalidRequest | mutations[0].id
            {"pushVersion":1,"clientGroupID":"g1","mutations":[{"clientID":"C","id":-3,"name":"increment","args":"n"}]}   | 400 | InvalidRequest | mutations[0].id
            {"pushVersion":1,"clientGroupID":"g1","mutations":[{"clientID":"C","name":"increment","args":"n"}]}           | 400 | InvalidRequest | mutations[0].id
            {"pushVersion":1,"clientGroupID":"g1","mutations":[{"id":2,"name":"increment","args":"n"}]}                   | 400 | InvalidRequest | mutations[0].clientID
            {"pushVersion":1,"clientGroupID":"g1","mutations":[{"clientID":5,"id":2,"name":"increment","args":"n"}]}      | 400 | InvalidRequest | mutations[0].clientID
            {"pushVersion":1,"clientGroupID":"g1","mutations":[{"clientID":"C","id":2,"args":"n"}]}                       | 400 | InvalidRequest | mutations[0].name
            {"pushVersion":1,"clientGroupID":"g1","mutations":[{"clientID":"C","id":2,"name":["x"],"args":"n"}]}          | 400 | InvalidRequest | mutations[0].name
            {"pushVersion":1,"clientGroupID":"g1","mutations":[{"clientID":"C","id":2,"name":"increment","args":"n","timestamp":"now"}]} | 400 | InvalidRequest | mutations[0].timestamp
            {"pushVersion":1,"clientGroupID":"g1","clientGroupID":"g2","mutations":[]}             | 400 | InvalidRequest | not valid JSON
            {"pushVersion":1,"clientGroupID":"g\\u0000","mutations":[{"clientID":"x1","id":1,"name":"increment","args":"n"}]} | 400 | InvalidRequest | clientGroupID
            {"pushVersion":1,"clientGroupID":"g1","mutations":[{"clientID":"a\\u0000b","id":1,"name":"increment","args":"n"}]} | 400 | InvalidRequest | mutations[0].clientID
            {"pushVersion":1,"clientGroupID":"g1","mutations":[{"clientID":"x\\ud800","id":1,"name":"increment","args":"n"}]} | 400 | InvalidRequest | mutations[0].clientID
            {"pushVersion":1,"clientGroupID":"g1","mutations":[{"clientID":"x\\udc00y","id":1,"name":"increment","args":"n"}]} | 400 | InvalidRequest | mutations[0].clientID
            {"pushVersion":1,"clientGroupID":"g1","mutations":[{"clientID":"C","id":2,"name":"increment","args":"n"},{"clientID":"C","id":3,"name":"increment","args":[[[[]]]]},{"clientID":"C","id":4,"name":"increment","args":"n","id":5}]} | 400 | InvalidRequest | not valid JSON
            """)
    void badPushBodiesAreRefusedAndChangeNothing(String body, int status, String error, String hint) {
        given().contentType(ContentType.JSON).queryParam("spaceID", space).body(body.replace("\"C\"", "\"" + client + "\""))
                .post("/api/replicache/push")
                .then().statusCode(status).body("error", is(error)).body("message", containsString(hint))
                .body("message", not(containsString("java."))).body("message", not(containsString("Exception")));

        assertEquals(version, version(space));
        assertEquals(Map.of("n", 1), state(space));
    }

    @ParameterizedTest(name = "{3}")
    @CsvSource(delimiter = '|', quoteCharacter = '`', textBlock = """
            not json                                                      | 400 | InvalidRequest | not valid JSON
            `{}`                                                          | 400 | InvalidRequest | pullVersion
            {"pullVersion":1}                                             | 400 | InvalidRequest | clientGroupID
            {"pullVersion":1.0,"clientGroupID":"g"}                       | 400 | InvalidRequest | pullVersion
            {"pullVersion":1,"clientGroupID":["g"]}                       | 400 | InvalidRequest | clientGroupID
            {"pullVersion":1,"clientGroupID":"g","schemaVersion":3}       | 400 | InvalidRequest | schemaVersion
            {"pullVersion":1,"clientGroupID":"\\u0000"}                  | 400 | InvalidRequest | clientGroupID
            {"pullVersion":1,"clientGroupID":"g\\ud800"}                 | 400 | InvalidRequest | clientGroupID
            """)
    void badPullBodiesAreRefused(String body, int status, String error, String hint) {
        given().contentType(ContentType.JSON).queryParam("spaceID", space).body(body).post("/api/replicache/pull")
                .then().statusCode(status).body("error", is(error)).body("message", containsString(hint));
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', textBlock = """
            push | ''
            push | has space
            push | has/slash
            pull | é
            pull | 0123456789012345678901234567890123456789012345678901234567890123456789
            """)
    void badSpaceIDsAreRefused(String endpoint, String spaceID) {
        given().contentType(ContentType.JSON).queryParam("spaceID", spaceID)
                .body(Map.of("pushVersion", 1, "pullVersion", 1, "clientGroupID", "g1", "mutations", java.util.List.of()))
                .post("/api/replicache/" + endpoint)
                .then().statusCode(400).body("error", is("InvalidSpaceID"));
    }

    @Test
    void aMissingSpaceIDIsRefused() {
        given().contentType(ContentType.JSON).body(Map.of("pullVersion", 1, "clientGroupID", "g1"))
                .post("/api/replicache/pull").then().statusCode(400).body("error", is("InvalidSpaceID"));
    }

    @Test
    void otherProtocolVersionsGetTheProtocolsOwnErrorWithStatus200() {
        given().contentType(ContentType.JSON).queryParam("spaceID", space)
                .body(Map.of("pushVersion", 0, "clientID", client, "mutations", java.util.List.of()))
                .post("/api/replicache/push")
                .then().statusCode(200).body("error", is("VersionNotSupported")).body("versionType", is("push"));
        given().contentType(ContentType.JSON).queryParam("spaceID", space)
                .body(Map.of("pullVersion", 0, "clientID", client, "cookie", 1))
                .post("/api/replicache/pull")
                .then().statusCode(200).body("error", is("VersionNotSupported")).body("versionType", is("pull"));
        assertEquals(version, version(space));
    }

    @Test
    void anAnnouncedOversizedBodyGets413BeforeBeingRead() {
        String body = "{\"pushVersion\":1,\"clientGroupID\":\"g1\",\"mutations\":[],\"pad\":\"" + "x".repeat(4 << 20) + "\"}";
        given().contentType(ContentType.JSON).queryParam("spaceID", space).body(body).post("/api/replicache/push")
                .then().statusCode(413).body("error", is("PayloadTooLarge")).body("message", containsString("4194304"));
    }

    @Test
    void aChunkedOversizedBodyGets413() {
        byte[] body = ("{\"pushVersion\":1,\"clientGroupID\":\"g1\",\"mutations\":[{\"clientID\":\"" + client
                + "\",\"id\":2,\"name\":\"increment\",\"args\":\"" + "x".repeat(5 << 20) + "\"}]}")
                .getBytes(StandardCharsets.UTF_8);
        // An InputStream body is sent chunked, without a Content-Length.
        given().contentType(ContentType.JSON).queryParam("spaceID", space).body(new ByteArrayInputStream(body))
                .post("/api/replicache/push")
                .then().statusCode(413).body("error", is("PayloadTooLarge"));
        assertEquals(version, version(space));
    }

    @Test
    void tooManyMutationsIsRefused() {
        StringBuilder body = new StringBuilder("{\"pushVersion\":1,\"clientGroupID\":\"g1\",\"mutations\":[");
        for (int i = 0; i < 10_001; i++) {
            body.append(i == 0 ? "" : ",").append("{\"clientID\":\"").append(client).append("\",\"id\":").append(i + 2)
                    .append(",\"name\":\"increment\",\"args\":\"n\"}");
        }
        given().contentType(ContentType.JSON).queryParam("spaceID", space).body(body.append("]}").toString())
                .post("/api/replicache/push")
                .then().statusCode(413).body("error", is("TooManyMutations"));
        assertEquals(version, version(space));
    }

    @Test
    void otherMediaTypesAndMethodsGetJsonErrors() {
        given().contentType(ContentType.TEXT).queryParam("spaceID", space).body("{}").post("/api/replicache/push")
                .then().statusCode(415).body("error", is("UnsupportedMediaType"));
        given().queryParam("spaceID", space).get("/api/replicache/push")
                .then().statusCode(405).body("error", is("MethodNotAllowed"));
        given().get("/api/replicache/nothing-here")
                .then().statusCode(404).body("error", notNullValue());
    }
}
