package io.github.replicachequarkus.sync;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;

import java.net.URI;
import java.util.Map;

import org.junit.jupiter.api.Test;

import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;

/**
 * The production configuration: /q/metrics only on the management interface, never on the public port; health on the
 * public port, where Fly's service checks look.
 */
@QuarkusTest
@TestProfile(MetricsPortTest.Production.class)
class MetricsPortTest {

    /** The prod profile's configuration (as packaged), with the tests' database, open auth and a random port. */
    public static class Production implements QuarkusTestProfile {
        @Override
        public String getConfigProfile() {
            return "prod";
        }

        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("replicache.auth.mode", "open", "replicache.gc.interval", "off",
                    "quarkus.management.test-port", "0");
        }
    }

    @TestHTTPResource(value = "/metrics", management = true)
    URI metrics;

    @Test
    void thePublicPortHasNoMetrics() {
        given().get("/q/metrics").then().statusCode(404);
        given().accept("text/plain").get("/q/metrics").then().statusCode(404);
    }

    /** Where Fly scrapes them, and where the benchmark reads the server's heap. */
    @Test
    void theManagementInterfaceServesThem() {
        given().accept("text/plain").get(metrics).then().statusCode(200)
                .body(containsString("jvm_memory_used_bytes{area=\"heap\""));
    }

    @Test
    void healthStaysOnThePublicPort() {
        given().get("/q/health/ready").then().statusCode(200);
        given().get("/q/health/live").then().statusCode(200);
    }
}
