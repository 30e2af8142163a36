package io.github.replicachequarkus.room;

/** A token bucket: {@code rate} messages a second on average, {@code burst} at once. */
final class RateLimit {

    private final double ratePerNano;
    private final double burst;
    private double tokens;
    private long last;

    RateLimit(int ratePerSecond, int burst, long nowNanos) {
        this.ratePerNano = ratePerSecond / 1e9;
        this.burst = Math.max(1, burst);
        this.tokens = this.burst;
        this.last = nowNanos;
    }

    RateLimit(int ratePerSecond, int burst) {
        this(ratePerSecond, burst, System.nanoTime());
    }

    boolean tryAcquire() {
        return tryAcquire(System.nanoTime());
    }

    synchronized boolean tryAcquire(long nowNanos) {
        tokens = Math.min(burst, tokens + (nowNanos - last) * ratePerNano);
        last = nowNanos;
        if (tokens < 1) {
            return false;
        }
        tokens -= 1;
        return true;
    }
}
