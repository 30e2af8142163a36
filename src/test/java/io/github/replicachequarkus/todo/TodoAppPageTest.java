package io.github.replicachequarkus.todo;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.nullValue;
import static org.hamcrest.Matchers.startsWith;

import java.util.Map;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;

/**
 * The app's page, where a token may ride in the address ({@code ?token=}): never sent on as a referrer, never cached.
 */
@QuarkusTest
@TestProfile(TodoAppPageTest.WithTheApp.class)
class TodoAppPageTest {

    /** Quinoa serves the built app only when asked to in tests. */
    public static class WithTheApp implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("quarkus.quinoa", "true", "quarkus.quinoa.run-tests", "false");
        }
    }

    @ParameterizedTest
    @ValueSource(strings = { "/", "/list/abc", "/list/abc/", "/?token=a.b.c", "/list/abc?token=a.b.c", "/console",
            "/console/", "/console/spaces/abc", "/console/spaces/abc/" })
    void thePageIsNeitherCachedNorNamedAsAReferrer(String path) {
        given().urlEncodingEnabled(false).get(path).then().statusCode(200)
                .contentType(startsWith("text/html"))
                .body(containsString("<div id=\"root\">"))
                .header("Referrer-Policy", is("no-referrer"))
                .header("Cache-Control", is("no-store"));
    }

    @ParameterizedTest
    @ValueSource(strings = { "/api/rooms", "/no-such-page", "/consoles", "/console/spaces/a.b" })
    void jsonAnswersAreLeftAlone(String path) {
        given().get(path).then().contentType(startsWith("application/json"))
                .header("Referrer-Policy", nullValue())
                .header("Cache-Control", nullValue());
    }
}
