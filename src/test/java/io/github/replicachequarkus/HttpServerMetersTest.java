package io.github.replicachequarkus;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.prometheus.PrometheusConfig;
import io.micrometer.prometheus.PrometheusMeterRegistry;

/**
 * Two HTTP servers, one on a fixed port and one on a port chosen at start, as Quarkus's Vert.x binder registers their
 * meters: the Prometheus registry takes both, and counts them apart, only with {@link HttpServerMeters}'s filter.
 */
class HttpServerMetersTest {

    @Test
    void withoutTheFilterTheSecondServersConnectionGaugeIsIgnored() {
        MeterRegistry registry = asQuarkusMakesIt();
        Gauge first = connectionsCurrent(registry, 3);
        Gauge second = connectionsCurrent(registry, 5);
        assertSame(first, second, "the registry this test stands on now keeps both: is dropping them still needed?");
        assertEquals(3, second.value(), "the second server's connections are never read");
    }

    @Test
    void withTheFilterTheUntaggedConnectionGaugesAreDroppedForTheTaggedOnes() {
        PrometheusMeterRegistry registry = asQuarkusMakesIt();
        registry.config().meterFilter(HttpServerMeters.filter());
        connectionsCurrent(registry, 3);
        connectionsCurrent(registry, 5);
        Gauge.builder("vertx.http.connections.max", () -> 25_000).register(registry);
        assertNull(registry.find("vertx.http.connections.current").meter());
        assertNull(registry.find("vertx.http.connections.max").meter());
        Gauge.builder("http.server.active.connections", () -> 3).tag(HttpServerMeters.TAG, "8080").register(registry);
        Gauge.builder("http.server.active.connections", () -> 5).register(registry);
        String scrape = registry.scrape();
        assertTrue(scrape.contains("http_server_active_connections{server_port=\"8080\",} 3.0"), scrape);
        assertTrue(scrape.contains("http_server_active_connections{server_port=\"0\",} 5.0"), scrape);
    }

    @Test
    void withoutTheFilterPrometheusRefusesTheSecondServer() {
        MeterRegistry registry = asQuarkusMakesIt();
        bytesRead(registry, "8080");
        assertThrows(IllegalArgumentException.class, () -> bytesRead(registry, null),
                "the registry this test stands on no longer refuses differing tag keys: is the filter still needed?");
    }

    @Test
    void withTheFilterBothServersAreCountedApart() {
        PrometheusMeterRegistry registry = asQuarkusMakesIt();
        registry.config().meterFilter(HttpServerMeters.filter());
        bytesRead(registry, "8080").record(10);
        bytesRead(registry, null).record(3);
        String scrape = registry.scrape();
        assertTrue(scrape.contains("http_server_bytes_read_sum{server_port=\"8080\",} 10.0"), scrape);
        assertTrue(scrape.contains("http_server_bytes_read_sum{server_port=\"0\",} 3.0"), scrape);
    }

    @Test
    void metersThatNeverCarryThePortAreLeftAlone() {
        MeterRegistry registry = asQuarkusMakesIt();
        registry.config().meterFilter(HttpServerMeters.filter());
        registry.counter("http.server.requests", "uri", "/x").increment();
        assertEquals(null, registry.get("http.server.requests").counter().getId().getTag(HttpServerMeters.TAG));
    }

    /** Quarkus's registry throws when a meter cannot be registered, rather than dropping it. */
    private static PrometheusMeterRegistry asQuarkusMakesIt() {
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        registry.throwExceptionOnRegistrationFailure();
        return registry;
    }

    private static Gauge connectionsCurrent(MeterRegistry registry, int connections) {
        return Gauge.builder("vertx.http.connections.current", () -> connections).register(registry);
    }

    private static DistributionSummary bytesRead(MeterRegistry registry, String port) {
        DistributionSummary.Builder builder = DistributionSummary.builder("http.server.bytes.read");
        if (port != null) {
            builder.tag(HttpServerMeters.TAG, port);
        }
        return builder.register(registry);
    }
}
