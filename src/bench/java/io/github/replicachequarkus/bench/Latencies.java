package io.github.replicachequarkus.bench;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/** Latencies in nanoseconds, all kept and sorted when summarised (a histogram library is not at hand). */
final class Latencies {

    private long[] values = new long[1024];
    private int size;

    void add(long nanos) {
        if (size == values.length) {
            values = Arrays.copyOf(values, size * 2);
        }
        values[size++] = nanos;
    }

    void addAll(Latencies other) {
        for (int i = 0; i < other.size; i++) {
            add(other.values[i]);
        }
    }

    int count() {
        return size;
    }

    /** The latency below which the given fraction of them lie (nearest rank), in milliseconds. */
    double millis(double fraction) {
        if (size == 0) {
            return Double.NaN;
        }
        long[] sorted = Arrays.copyOf(values, size);
        Arrays.sort(sorted);
        int rank = (int) Math.ceil(fraction * size);
        return sorted[Math.max(0, Math.min(size - 1, rank - 1))] / 1e6;
    }

    /** Count, mean, p50, p90, p99, p99.9 and max, in milliseconds. */
    Map<String, Object> summary() {
        Map<String, Object> summary = new LinkedHashMap<>();
        summary.put("count", size);
        if (size == 0) {
            return summary;
        }
        long[] sorted = Arrays.copyOf(values, size);
        Arrays.sort(sorted);
        summary.put("minMs", round(sorted[0] / 1e6));
        summary.put("meanMs", round(Arrays.stream(sorted).average().orElse(0) / 1e6));
        summary.put("p50Ms", round(at(sorted, 0.50)));
        summary.put("p90Ms", round(at(sorted, 0.90)));
        summary.put("p99Ms", round(at(sorted, 0.99)));
        summary.put("p999Ms", round(at(sorted, 0.999)));
        summary.put("maxMs", round(sorted[size - 1] / 1e6));
        return summary;
    }

    private static double at(long[] sorted, double fraction) {
        int rank = (int) Math.ceil(fraction * sorted.length);
        return sorted[Math.max(0, Math.min(sorted.length - 1, rank - 1))] / 1e6;
    }

    static double round(double value) {
        return Math.round(value * 100) / 100.0;
    }
}
