package io.github.replicachequarkus.console;

import static io.github.replicachequarkus.testing.Protocol.client;
import static io.github.replicachequarkus.testing.Protocol.mutation;
import static io.github.replicachequarkus.testing.Protocol.pushAs;
import static io.github.replicachequarkus.testing.Protocol.space;
import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.is;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.junit.jupiter.api.Test;

import io.github.replicachequarkus.testing.AuthModes;
import io.github.replicachequarkus.testing.Tokens;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.http.Method;

/** The console's endpoints in token mode: only a server credential opens them, as the rest of the server API. */
@QuarkusTest
@TestProfile(AuthModes.TokenProfile.class)
class ConsoleAuthTest {

    private static final String SERVER = Tokens.bearer(Tokens.serverToken("console", Instant.now().plusSeconds(3600)));

    @Test
    void onlyAServerCredentialOpensTheConsoleEndpoints() {
        String space = space();
        pushAs(SERVER, space, "g-" + space, mutation(client(), 1, "put", Map.of("key", "a", "value", 1))).then()
                .statusCode(200);
        String writer = Tokens.bearer(Tokens.token("ana", Map.of(space, "rw", "*", "rw")));
        String expired = Tokens.bearer(Tokens.serverToken("console", Instant.now().minusSeconds(60)));
        List<Map.Entry<Method, String>> endpoints = List.of(Map.entry(Method.GET, "/api/machines"),
                Map.entry(Method.GET, "/api/rooms/busiest"), Map.entry(Method.GET, "/api/activity"),
                Map.entry(Method.GET, "/api/spaces/" + space + "/presence"),
                Map.entry(Method.GET, "/api/spaces/" + space + "/clients"),
                Map.entry(Method.POST, "/api/spaces/" + space + "/sockets/close"),
                Map.entry(Method.GET, "/api/webhooks"), Map.entry(Method.GET, "/api/webhooks/dead"),
                Map.entry(Method.POST, "/api/webhooks/dead/" + UUID.randomUUID() + "/retry"),
                Map.entry(Method.GET, "/api/metrics/history"));
        for (Map.Entry<Method, String> endpoint : endpoints) {
            String what = endpoint.getKey() + " " + endpoint.getValue();
            given().request(endpoint.getKey(), endpoint.getValue()).then().statusCode(401)
                    .body("error", is("Unauthorized"));
            given().header("Authorization", expired).request(endpoint.getKey(), endpoint.getValue()).then()
                    .statusCode(401);
            given().header("Authorization", writer).request(endpoint.getKey(), endpoint.getValue()).then()
                    .statusCode(403).body("error", is("Forbidden"));
            if (!endpoint.getValue().equals("/api/activity") && !endpoint.getValue().endsWith("/retry")) {
                given().header("Authorization", SERVER).request(endpoint.getKey(), endpoint.getValue()).then()
                        .log().ifValidationFails().statusCode(200);
            }
        }
    }
}
