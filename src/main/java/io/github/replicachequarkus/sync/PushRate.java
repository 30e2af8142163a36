package io.github.replicachequarkus.sync;

import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

import jakarta.enterprise.context.ApplicationScoped;

import io.github.replicachequarkus.protocol.InvalidRequestException;

/**
 * How often one user (a token's {@code sub}) may push on this machine, over HTTP and sockets together: a token bucket
 * per user. A push beyond it gets 429 (an error frame on a socket) and changes nothing; Replicache pushes its
 * mutations again later. Callers without a user (open mode) are not counted.
 */
@ApplicationScoped
class PushRate {

    /** Most users remembered; beyond it the buckets start over (everyone gets a full burst again). */
    private static final int MAX_USERS = 100_000;

    private final SyncConfig config;
    private final Map<String, RateLimit> perUser = new ConcurrentHashMap<>();

    PushRate(SyncConfig config) {
        this.config = config;
    }

    /** @throws InvalidRequestException (429) when the user pushes faster than allowed */
    void admit(Optional<String> userID) {
        String user = userID.filter(id -> !id.isEmpty()).orElse(null);
        if (user == null || config.maxPushesPerUserPerSecond() <= 0) {
            return;
        }
        if (perUser.size() >= MAX_USERS) {
            perUser.clear();
        }
        RateLimit limit = perUser.computeIfAbsent(user,
                id -> new RateLimit(config.maxPushesPerUserPerSecond(), config.pushBurstPerUser()));
        if (!limit.tryAcquire()) {
            throw new InvalidRequestException(429, "TooManyPushes",
                    "more than %d pushes a second from one user; try again shortly"
                            .formatted(config.maxPushesPerUserPerSecond()));
        }
    }
}
