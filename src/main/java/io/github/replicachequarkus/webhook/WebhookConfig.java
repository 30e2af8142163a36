package io.github.replicachequarkus.webhook;

import java.time.Duration;
import java.util.Map;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import io.smallrye.config.WithParentName;

/**
 * The webhook endpoints, each under {@code replicache.webhooks.<name>}: every one receives every committed change of
 * every space (docs/webhooks.md). With none configured, pushes record nothing for them and no dispatcher runs.
 */
@ConfigMapping(prefix = "replicache.webhooks")
public interface WebhookConfig {

    /** The endpoints by name. A name of lower-case letters and digits can also be set by environment variables. */
    @WithParentName
    Map<String, Endpoint> endpoints();

    interface Endpoint {

        /** Where changes are POSTed: an {@code http} or {@code https} URL. */
        String url();

        /**
         * The signing secret, in the Standard Webhooks form {@code whsec_<base64>}: the key is the base64-decoded part,
         * 24 to 64 bytes. Anything else stops the start: a raw text could be read as the key or as its base64, and a
         * receiver reading it the other way would reject every signature.
         */
        String secret();

        /** Whether each delivery carries the keys' new values ({@code entries}), not only the keys that changed. */
        @WithDefault("false")
        boolean includeValues();

        /** How long an attempt may take, answer included: no 2xx answer by then is a failure, retried later. */
        @WithDefault("10s")
        Duration timeout();

        /**
         * How long after its first attempt a delivery is retried at most: one that has not succeeded by then is dead
         * (kept, counted, logged), and the space's later changes go on.
         */
        @WithDefault("24h")
        Duration horizon();

        /**
         * How long a space's first undelivered change waits for others: changes committed within the window go out
         * together, as one delivery spanning their versions. {@code 0}: at once.
         */
        @WithDefault("1s")
        Duration batchWindow();

        /** The wait before the first retry; each further retry waits twice as long, with jitter, up to the maximum. */
        @WithDefault("5s")
        Duration minBackoff();

        /** The longest wait between two attempts of a delivery. */
        @WithDefault("1h")
        Duration maxBackoff();

        /** Deliveries to this endpoint one machine has in flight at most (each of another space). */
        @WithDefault("16")
        int maxInFlight();

        /**
         * How often each machine looks for deliveries due (retries, and deliveries of a machine that died) and for
         * changes it was not told of. Changes committed on the machine itself are taken up without waiting for it.
         */
        @WithDefault("1s")
        Duration pollInterval();

        /** How long a dead delivery is kept for inspection before it is deleted. */
        @WithDefault("7d")
        Duration deadRetention();
    }
}
