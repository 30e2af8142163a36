package io.github.replicachequarkus.sync;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.event.TransactionPhase;

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

    PokeHub(SyncConfig config) {
        this.config = config;
    }

    /** {@code hello}, then {@code poke} after each change of the space, and {@code beat} now and then. */
    public Multi<String> listen(String spaceID) {
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
