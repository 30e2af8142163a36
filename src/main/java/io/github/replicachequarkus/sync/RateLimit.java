package io.github.replicachequarkus.sync;

/** A token bucket: {@code rate} messages a second on average, {@code burst} at once. */
public final class RateLimit {

    private final double ratePerNano;
    private final double burst;
    private double tokens;
    private long last;

    public RateLimit(int ratePerSecond, int burst, long nowNanos) {
        this.ratePerNano = ratePerSecond / 1e9;
        this.burst = Math.max(1, burst);
        this.tokens = this.burst;
        this.last = nowNanos;
    }

    public RateLimit(int ratePerSecond, int burst) {
        this(ratePerSecond, burst, System.nanoTime());
    }

    public boolean tryAcquire() {
        return tryAcquire(System.nanoTime());
    }

    public synchronized boolean tryAcquire(long nowNanos) {
        tokens = Math.min(burst, tokens + (nowNanos - last) * ratePerNano);
        last = nowNanos;
        if (tokens < 1) {
            return false;
        }
        tokens -= 1;
        return true;
    }
}
