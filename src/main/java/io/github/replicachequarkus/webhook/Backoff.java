package io.github.replicachequarkus.webhook;

import java.time.Duration;
import java.util.function.DoubleSupplier;

/**
 * How long a failed delivery waits before its next attempt. The n-th retry's ceiling is {@code min × 2^(n-1)}, at most
 * {@code max}; the wait is drawn between half the ceiling and all of it. The random half spreads out the deliveries that
 * failed together (every space's, when an endpoint was down), so that they do not all come back at the same instant;
 * the fixed half keeps a failing endpoint from being asked again at once.
 *
 * @param min the first retry's ceiling
 * @param max the ceiling of every later one
 */
record Backoff(Duration min, Duration max) {

    /**
     * The wait after the given number of failed attempts.
     *
     * @param failures the attempts that failed so far, at least 1
     * @param random a number in [0, 1): where in its range the wait falls
     */
    Duration delay(int failures, DoubleSupplier random) {
        long ceiling = ceiling(failures).toNanos();
        long half = ceiling / 2;
        return Duration.ofNanos(half + (long) (random.getAsDouble() * (ceiling - half)));
    }

    /** The longest wait after the given number of failed attempts: {@code min × 2^(failures-1)}, at most {@code max}. */
    Duration ceiling(int failures) {
        long min = Math.max(0, min().toNanos());
        long max = Math.max(min, max().toNanos());
        int doublings = Math.max(0, failures - 1);
        if (doublings >= Long.numberOfLeadingZeros(Math.max(1, min)) - 1) {
            return Duration.ofNanos(max); // doubling that often would overflow; it is past any maximum anyway
        }
        return Duration.ofNanos(Math.min(max, min << doublings));
    }
}
