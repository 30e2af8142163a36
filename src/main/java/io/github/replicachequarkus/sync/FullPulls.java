package io.github.replicachequarkus.sync;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

import jakarta.enterprise.context.ApplicationScoped;

import io.github.replicachequarkus.protocol.InvalidRequestException;

/**
 * Bounds the pulls of a whole state (the costly ones: every entry of the space, read and sent) that run at once, per
 * user and on this machine; one beyond a bound is answered with 429, and the Replicache client retries it later.
 */
@ApplicationScoped
class FullPulls {

    private final SyncConfig config;
    private final Map<String, Integer> perUser = new ConcurrentHashMap<>();
    private final AtomicInteger running = new AtomicInteger();

    FullPulls(SyncConfig config) {
        this.config = config;
    }

    /** A place among the running full pulls, given back once. */
    interface Permit extends AutoCloseable {
        @Override
        void close();
    }

    /**
     * @param user who pulls; null when unknown (open mode), which only the machine's bound applies to
     * @throws InvalidRequestException (429) when the user or the machine runs as many full pulls as it may
     */
    Permit acquire(String user) {
        if (running.incrementAndGet() > config.maxFullPulls()) {
            running.decrementAndGet();
            throw new InvalidRequestException(429, "TooManyPulls", "this machine sends as many whole states as it may");
        }
        if (user != null) {
            boolean[] admitted = { false };
            perUser.compute(user, (id, count) -> {
                int now = count == null ? 0 : count;
                if (now >= config.maxFullPullsPerUser()) {
                    return count;
                }
                admitted[0] = true;
                return now + 1;
            });
            if (!admitted[0]) {
                running.decrementAndGet();
                throw new InvalidRequestException(429, "TooManyPulls",
                        "at most %d whole-state pulls per user at once".formatted(config.maxFullPullsPerUser()));
            }
        }
        boolean[] closed = { false };
        return () -> {
            synchronized (closed) {
                if (closed[0]) {
                    return;
                }
                closed[0] = true;
            }
            running.decrementAndGet();
            if (user != null) {
                perUser.computeIfPresent(user, (id, count) -> count <= 1 ? null : count - 1);
            }
        };
    }
}
