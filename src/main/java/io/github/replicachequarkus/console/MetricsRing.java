package io.github.replicachequarkus.console;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.distribution.ValueAtPercentile;

/**
 * The last {@link #POINTS} samples of a few of this machine's meters, in a fixed ring: what a chart of the last hour
 * needs, read from the meters at each sample (nothing is counted twice, and a push costs nothing more). The meters:
 * <ul>
 * <li>{@code replicache.pushes} (every tag): pushes processed, as a rate per second between two samples;</li>
 * <li>{@code replicache.pokes}: pokes written to sockets, as a rate per second;</li>
 * <li>{@code replicache.poke.latency}: its 99th percentile (published by the timer over its decaying window of about two
 * minutes), in milliseconds;</li>
 * <li>{@code replicache.sockets}: open room sockets.</li>
 * </ul>
 * A rate needs two samples: the first sample after the start has none. A percentile with no poke in its window is null.
 */
final class MetricsRing {

    static final int POINTS = 360;
    static final String PUSHES = "pushesPerSecond";
    static final String POKES = "pokesPerSecond";
    static final String SOCKETS = "sockets";
    static final String POKE_P99 = "pokeLatencyP99Ms";
    private static final List<String> SERIES = List.of(PUSHES, POKES, SOCKETS, POKE_P99);

    private final MeterRegistry registry;
    private final long[] times = new long[POINTS];
    private final double[][] values = new double[SERIES.size()][POINTS];
    private int next;
    private int size;
    private long lastTime = -1;
    private double lastPushes;
    private double lastPokes;

    MetricsRing(MeterRegistry registry) {
        this.registry = registry;
    }

    /** Takes a sample at {@code now} (epoch milliseconds); the oldest goes once the ring is full. */
    synchronized void sample(long now) {
        double pushes = registry.find("replicache.pushes").counters().stream().mapToDouble(Counter::count).sum();
        Counter written = registry.find("replicache.pokes").counter();
        double pokeCount = written == null ? 0 : written.count();
        Timer pokes = registry.find("replicache.poke.latency").timer();
        Gauge sockets = registry.find("replicache.sockets").gauge();
        double seconds = (now - lastTime) / 1000.0;
        boolean rates = lastTime >= 0 && seconds > 0;
        times[next] = now;
        values[0][next] = rates ? Math.max(0, pushes - lastPushes) / seconds : Double.NaN;
        values[1][next] = rates ? Math.max(0, pokeCount - lastPokes) / seconds : Double.NaN;
        values[2][next] = sockets == null ? Double.NaN : sockets.value();
        values[3][next] = pokes == null ? Double.NaN : p99(pokes);
        next = (next + 1) % POINTS;
        size = Math.min(size + 1, POINTS);
        lastTime = now;
        lastPushes = pushes;
        lastPokes = pokeCount;
    }

    private static double p99(Timer timer) {
        if (timer.count() == 0) {
            return Double.NaN;
        }
        for (ValueAtPercentile percentile : timer.takeSnapshot().percentileValues()) {
            if (percentile.percentile() == 0.99) {
                return percentile.value(TimeUnit.MILLISECONDS);
            }
        }
        return Double.NaN;
    }

    /** Each series, oldest point first: {@code [epochMs, value]}, the value null where there is none. */
    synchronized Map<String, List<List<Number>>> series() {
        Map<String, List<List<Number>>> series = new LinkedHashMap<>();
        for (int s = 0; s < SERIES.size(); s++) {
            List<List<Number>> points = new ArrayList<>(size);
            for (int i = 0; i < size; i++) {
                int at = (next - size + i + POINTS) % POINTS;
                double value = values[s][at];
                points.add(Arrays.asList(times[at], Double.isNaN(value) ? null : value));
            }
            series.put(SERIES.get(s), points);
        }
        return series;
    }
}
