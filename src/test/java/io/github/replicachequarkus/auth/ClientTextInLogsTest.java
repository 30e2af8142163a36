package io.github.replicachequarkus.auth;

import static io.github.replicachequarkus.testing.Protocol.space;
import static io.github.replicachequarkus.testing.Tokens.bearer;
import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import io.github.replicachequarkus.testing.LogCapture;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.http.ContentType;

/** What a client puts in its requests reaches the log escaped: it can never start a log line of its own. */
@QuarkusTest
@TestProfile(TokenAuthTest.TokenMode.class)
class ClientTextInLogsTest {

    /** The refusal of a forged token is logged (debug) with jose4j's reason, which quotes the token's header as is. */
    @Test
    void aForgedTokenCannotWriteALogLineOfItsOwn() {
        String header = "{\"alg\":\"HS256\",\n\"kid\":\"12:00:00.000 ERROR [i.g.r.s.PushService] (main) forged\"}";
        String forged = base64Url(header) + "." + base64Url("{\"sub\":\"u1\",\"exp\":4102444800}") + ".AAAA";
        List<String> logged;
        try (LogCapture log = LogCapture.of(TokenAuthorizer.class.getName())) {
            pull(space(), bearer(forged));
            logged = log.records().stream().map(LogCapture::message).toList();
        }

        assertFalse(logged.isEmpty(), "the refusal is logged (the tests log debug)");
        for (String message : logged) {
            assertFalse(message.contains("\n") || message.contains("\r"), "one line: " + message);
        }
        assertTrue(logged.stream().anyMatch(message -> message.contains("\\n\"kid\":\"12:00:00.000 ERROR")),
                "the header is there, escaped: " + logged);
    }

    private static void pull(String spaceID, String auth) {
        Map<String, Object> body = new HashMap<>();
        body.put("pullVersion", 1);
        body.put("clientGroupID", "g-" + spaceID);
        body.put("cookie", null);
        body.put("profileID", "p");
        body.put("schemaVersion", "");
        given().contentType(ContentType.JSON).header("Authorization", auth).queryParam("spaceID", spaceID).body(body)
                .post("/api/replicache/pull").then().statusCode(401);
    }

    private static String base64Url(String json) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(json.getBytes(StandardCharsets.UTF_8));
    }
}
