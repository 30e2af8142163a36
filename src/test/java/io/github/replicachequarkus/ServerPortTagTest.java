package io.github.replicachequarkus;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.prometheus.PrometheusConfig;
import io.micrometer.prometheus.PrometheusMeterRegistry;

/**
 * Two HTTP servers, one on a fixed port and one on a port chosen at start, as Quarkus's Vert.x binder registers their
 * meters: the Prometheus registry takes both only with {@link ServerPortTag}'s filter.
 */
class ServerPortTagTest {

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
        registry.config().meterFilter(ServerPortTag.filter());
        bytesRead(registry, "8080").record(10);
        bytesRead(registry, null).record(3);
        String scrape = registry.scrape();
        assertTrue(scrape.contains("http_server_bytes_read_sum{server_port=\"8080\",} 10.0"), scrape);
        assertTrue(scrape.contains("http_server_bytes_read_sum{server_port=\"0\",} 3.0"), scrape);
    }

    @Test
    void metersThatNeverCarryThePortAreLeftAlone() {
        MeterRegistry registry = asQuarkusMakesIt();
        registry.config().meterFilter(ServerPortTag.filter());
        registry.counter("http.server.requests", "uri", "/x").increment();
        assertEquals(null, registry.get("http.server.requests").counter().getId().getTag(ServerPortTag.TAG));
    }

    /** Quarkus's registry throws when a meter cannot be registered, rather than dropping it. */
    private static PrometheusMeterRegistry asQuarkusMakesIt() {
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        registry.throwExceptionOnRegistrationFailure();
        return registry;
    }

    private static DistributionSummary bytesRead(MeterRegistry registry, String port) {
        DistributionSummary.Builder builder = DistributionSummary.builder("http.server.bytes.read");
        if (port != null) {
            builder.tag(ServerPortTag.TAG, port);
        }
        return builder.register(registry);
    }
}
