package io.github.replicachequarkus.sync;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;

import org.junit.jupiter.api.Test;

import io.github.replicachequarkus.testing.Instance;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;

/**
 * The packaged application as it runs in production: /q/metrics only on the management interface (where Fly scrapes
 * it, and the benchmark reads the server's heap), never on the public port; health on the public port, where Fly's
 * service checks look.
 */
class MetricsPortIT {

    private static final HttpClient HTTP = HttpClient.newHttpClient();

    @Test
    void metricsAreOnlyOnTheManagementInterfaceAndHealthOnThePublicPort() throws Exception {
        try (EmbeddedPostgres postgres = EmbeddedPostgres.builder().setPort(freePort())
                .setPGStartupWait(Duration.ofSeconds(60)).start();
                Instance server = Instance.start("metrics-port",
                        Map.of("quarkus.datasource.jdbc.url", postgres.getJdbcUrl("postgres", "postgres"),
                                "quarkus.datasource.username", "postgres", "quarkus.datasource.password", "postgres"),
                        Map.of("REPLICACHE_AUTH_MODE", "open"))) {
            assertEquals(404, get(server.uri().resolve("/q/metrics")).statusCode(), "no metrics on the public port");
            HttpResponse<String> metrics = get(server.managementUri().resolve("/q/metrics"));
            assertEquals(200, metrics.statusCode());
            assertTrue(metrics.body().contains("jvm_memory_used_bytes{area=\"heap\""), "the JVM's meters are there");
            assertEquals(200, get(server.uri().resolve("/q/health/ready")).statusCode());
            assertEquals(200, get(server.uri().resolve("/q/health/live")).statusCode());
        }
    }

    private static HttpResponse<String> get(URI uri) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(uri).header("Accept", "text/plain").timeout(Duration.ofSeconds(10)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }
}
