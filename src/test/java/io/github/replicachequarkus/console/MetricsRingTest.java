package io.github.replicachequarkus.console;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;

/** The ring of samples behind /api/metrics/history, on meters named as the server names them. */
class MetricsRingTest {

    private static final long T0 = 1_700_000_000_000L;

    private final MeterRegistry registry = new SimpleMeterRegistry();
    private final Counter changed = Counter.builder("replicache.pushes").tag("changed", "true").register(registry);
    private final Counter unchanged = Counter.builder("replicache.pushes").tag("changed", "false").register(registry);
    private final Counter pokes = Counter.builder("replicache.pokes").register(registry);
    private final Timer pokeLatency = Timer.builder("replicache.poke.latency").publishPercentiles(0.5, 0.99)
            .register(registry);
    private final AtomicInteger sockets = new AtomicInteger();
    private final MetricsRing ring = new MetricsRing(registry);

    MetricsRingTest() {
        Gauge.builder("replicache.sockets", sockets, AtomicInteger::get).register(registry);
    }

    @Test
    void ratesArePerSecondBetweenSamplesAndTheFirstHasNone() {
        ring.sample(T0);
        changed.increment(30);
        unchanged.increment(20);
        pokes.increment(40);
        for (int i = 0; i < 4; i++) {
            pokeLatency.record(Duration.ofMillis(5)); // a sample of them
        }
        sockets.set(7);
        ring.sample(T0 + 10_000);

        List<List<Number>> pushes = ring.series().get("pushesPerSecond");
        assertEquals(List.of(T0, T0 + 10_000), pushes.stream().map(point -> point.get(0)).toList());
        assertNull(pushes.get(0).get(1), "a rate needs two samples");
        assertEquals(5.0, pushes.get(1).get(1), "50 pushes in 10 s, whatever their tags");
        assertEquals(4.0, ring.series().get("pokesPerSecond").get(1).get(1));
        assertEquals(7.0, ring.series().get("sockets").get(1).get(1));
        double p99 = ring.series().get("pokeLatencyP99Ms").get(1).get(1).doubleValue();
        assertTrue(p99 >= 4 && p99 <= 6, "about 5 ms: " + p99);
        assertNull(ring.series().get("pokeLatencyP99Ms").get(0).get(1), "no poke yet");
    }

    @Test
    void theRingKeepsTheLastHourOldestFirst() {
        for (int i = 0; i < MetricsRing.POINTS + 5; i++) {
            sockets.set(i);
            ring.sample(T0 + i * 10_000L);
        }
        List<List<Number>> points = ring.series().get("sockets");
        assertEquals(MetricsRing.POINTS, points.size());
        assertEquals(T0 + 5 * 10_000L, points.get(0).get(0));
        assertEquals(5.0, points.get(0).get(1));
        assertEquals((double) MetricsRing.POINTS + 4, points.get(points.size() - 1).get(1));
    }
}
