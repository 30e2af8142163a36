package io.github.replicachequarkus.sync;

import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.event.TransactionPhase;

import io.github.replicachequarkus.protocol.InvalidRequestException;
import io.github.replicachequarkus.relay.ChangesMissed;
import io.github.replicachequarkus.relay.SpaceChanged;
import io.quarkus.runtime.ShutdownDelayInitiatedEvent;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.subscription.BackPressureStrategy;
import io.smallrye.mutiny.subscription.MultiEmitter;

/**
 * Pokes for clients that sync over plain HTTP: each listener of a space hears {@code poke} after every committed
 * change of the space, and then pulls. A poke carries no data, so a slow listener only ever needs the latest one.
 */
@ApplicationScoped
public class PokeHub {

    private final ConcurrentHashMap<String, Set<MultiEmitter<? super String>>> listeners = new ConcurrentHashMap<>();
    private final SyncConfig config;
    private final Map<String, Integer> perUser = new ConcurrentHashMap<>();
    private final AtomicInteger total = new AtomicInteger();

    PokeHub(SyncConfig config) {
        this.config = config;
    }

    /**
     * {@code hello}, then {@code poke} after each change of the space, and {@code beat} now and then.
     *
     * @param userID who listens (empty in open mode): a user holds a bounded number of streams
     * @throws InvalidRequestException (429) when the user, or this machine, holds as many streams as it may
     */
    public Multi<String> listen(String spaceID, Optional<String> userID) {
        String user = userID.filter(id -> !id.isEmpty()).orElse(null);
        if (total.incrementAndGet() > config.maxPokeStreams()) {
            total.decrementAndGet();
            throw new InvalidRequestException(429, "TooManyStreams", "this machine holds as many poke streams as it may");
        }
        if (user != null && !reserve(user)) {
            total.decrementAndGet();
            throw new InvalidRequestException(429, "TooManyStreams",
                    "at most %d poke streams per user".formatted(config.maxPokeStreamsPerUser()));
        }
        return stream(spaceID).onTermination().invoke(() -> {
            total.decrementAndGet();
            if (user != null) {
                perUser.computeIfPresent(user, (id, count) -> count <= 1 ? null : count - 1);
            }
        });
    }

    private boolean reserve(String user) {
        boolean[] reserved = { false };
        perUser.compute(user, (id, count) -> {
            int now = count == null ? 0 : count;
            if (now >= config.maxPokeStreamsPerUser()) {
                return count;
            }
            reserved[0] = true;
            return now + 1;
        });
        return reserved[0];
    }

    private Multi<String> stream(String spaceID) {
        Multi<String> pokes = Multi.createFrom().<String> emitter(emitter -> {
            listeners.computeIfAbsent(spaceID, id -> ConcurrentHashMap.newKeySet()).add(emitter);
            emitter.onTermination(() -> remove(spaceID, emitter));
            emitter.emit("hello");
        }, BackPressureStrategy.LATEST);
        Multi<String> beats = Multi.createFrom().ticks().startingAfter(config.pokeHeartbeat())
                .every(config.pokeHeartbeat()).onItem().transform(tick -> "beat")
                .onOverflow().drop();
        return Multi.createBy().merging().streams(pokes, beats);
    }

    void spaceChanged(@Observes(during = TransactionPhase.AFTER_SUCCESS) SpaceChanged change) {
        Set<MultiEmitter<? super String>> emitters = listeners.get(change.spaceID());
        if (emitters != null) {
            emitters.forEach(emitter -> emitter.emit("poke"));
        }
    }

    /** Changes of other machines may have gone unheard: every listener pulls once to catch up. */
    void changesMissed(@Observes ChangesMissed missed) {
        listeners.values().forEach(emitters -> emitters.forEach(emitter -> emitter.emit("poke")));
    }

    /** At shutdown the streams end (clients reconnect), so that the graceful shutdown does not wait on them. */
    void shutdown(@Observes ShutdownDelayInitiatedEvent shutdown) {
        listeners.values().forEach(emitters -> emitters.forEach(MultiEmitter::complete));
    }

    private void remove(String spaceID, MultiEmitter<? super String> emitter) {
        listeners.computeIfPresent(spaceID, (id, emitters) -> {
            emitters.remove(emitter);
            return emitters.isEmpty() ? null : emitters;
        });
    }
}
