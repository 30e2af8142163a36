package io.github.replicachequarkus.store;

import java.time.Duration;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/** How long a client group lives unused (see {@link ClientGroups}), and how the collector removes the rest. */
@ConfigMapping(prefix = "replicache.gc")
public interface GcConfig {

    /**
     * A client group that has not pushed, pulled or held a socket open for this long is collected: its clients are
     * deleted, and it gets {@code ClientStateNotFound} if it ever comes back.
     */
    @WithDefault("30d")
    Duration clientGroupMaxAge();

    /** How often the collector runs, first 5 minutes after start-up ({@code off}: never, nothing is collected or purged). */
    @WithDefault("1h")
    String interval();

    /**
     * How long the server API keeps the reply of a mutate request sent with an {@code Idempotency-Key}: a retry within
     * it gets that reply and applies nothing again; later, the key is forgotten (the collector deletes it).
     */
    @WithDefault("24h")
    Duration idempotencyKeyMaxAge();

    /** Most client groups collected (and idempotency keys expired) per transaction (a run goes on until none is left). */
    @WithDefault("1000")
    int batchSize();
}
