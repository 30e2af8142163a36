package io.github.replicachequarkus.sync;

import java.time.Duration;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;

import io.quarkus.runtime.configuration.MemorySize;
import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/** The Replicache protocol over HTTP: limits and policies. */
@ConfigMapping(prefix = "replicache.sync")
public interface SyncConfig {

    /** Largest push or pull body accepted; a larger one gets 413. */
    @WithDefault("4M")
    MemorySize maxBodySize();

    /** Most mutations one push may carry; more gets 413. */
    @WithDefault("10000")
    int maxMutationsPerPush();

    /** Longest key a mutator may write, in UTF-8 bytes; a longer one fails that mutation. */
    @WithDefault("1024")
    int maxKeyBytes();

    /** Largest value a mutator may write, as JSON in UTF-8 bytes; a larger one fails that mutation. */
    @WithDefault("1M")
    MemorySize maxValueSize();

    /** Whether a push or pull for a space that does not exist creates it; if not, it gets 404. */
    @WithDefault("true")
    boolean autoCreateSpaces();

    /** The client schema versions accepted; others get VersionNotSupported (schema). Unset: all of them. */
    Optional<Set<String>> schemaVersions();

    /** Whether clients of this schema version may sync (a missing schema version counts as {@code ""}). */
    default boolean acceptsSchema(String schemaVersion) {
        return schemaVersions().map(accepted -> accepted.contains(schemaVersion == null ? "" : schemaVersion)).orElse(true);
    }

    /**
     * How long a client may take to read each part of a pull's reply (64 KB) before its connection is closed: a client
     * that stopped reading holds the reply's file, its whole-state permit and a worker thread until then.
     */
    @WithDefault("30s")
    Duration writeTimeout();

    /** How often the SSE poke stream sends a heartbeat, so that proxies keep it open. */
    @WithDefault("30s")
    Duration pokeHeartbeat();

    /**
     * Pushes one user may make per second on this machine, on average (HTTP and sockets together); more get 429. 0: no limit.
     */
    @WithDefault("50")
    int maxPushesPerUserPerSecond();

    /** Pushes one user may make in one burst above that rate. */
    @WithDefault("100")
    int pushBurstPerUser();

    /** Pulls of a whole state one user may run at once on this machine; more get 429 (the client retries). */
    @WithDefault("2")
    int maxFullPullsPerUser();

    /** Pulls of a whole state this machine runs at once, whoever asks; more get 429 (the client retries). */
    @WithDefault("8")
    int maxFullPulls();

    /** SSE poke streams one user (a token's {@code sub}) may hold open on this machine; more get 429. */
    @WithDefault("20")
    int maxPokeStreamsPerUser();

    /** SSE poke streams this machine holds open at most, whoever listens; more get 429. */
    @WithDefault("10000")
    int maxPokeStreams();

    /** How many times a transaction that lost a race (serialization failure, deadlock) is run again. */
    @WithDefault("8")
    int transactionAttempts();

    /**
     * Most batches of room hellos this machine answers at once, over all spaces (each a transaction and a read). A
     * space's hellos that come while its batch waits for its turn join that batch, so under a storm over many rooms
     * fewer, larger reads serve everyone. Unset: two per processor.
     */
    OptionalInt helloBatches();

    /** How pushes that arrive together are committed together. */
    GroupCommitConfig groupCommit();

    interface GroupCommitConfig {

        /** Most pushes one transaction commits together; 1 (or less) turns group commit off. */
        @WithDefault("64")
        int maxPushes();

        /** Most mutations one transaction runs, counted over its pushes (a bigger single push still runs alone). */
        @WithDefault("10000")
        int maxMutations();

        /**
         * How long one transaction runs mutators: once it is up, the transaction commits what it did, and the push's
         * mutations not yet run are queued again on its lane, behind the pushes that came meanwhile. One push of slow
         * mutations thus holds its lane, and every space on it, for about this long at a time. The first mutation of a
         * transaction always runs. A bound for pathological pushes, not a pace for ordinary ones.
         */
        @WithDefault("2s")
        Duration maxBatchTime();

        /**
         * Most mutations waiting in one lane for its next transactions; a push that would go beyond is refused at once
         * with 503 and {@code Retry-After} (the client retries), so that one writer flooding a lane cannot make every
         * push on it wait without bound.
         */
        @WithDefault("20000")
        int maxQueuedMutations();

        /**
         * Lanes the spaces are spread over, each committing one transaction at a time: the most push transactions this
         * machine runs at once. Unset: one per two processors (at least one). More lanes run smaller batches, and each
         * batch costs about as much as a push again; more lanes keep a slow mutator from holding up as many spaces.
         */
        OptionalInt lanes();
    }
}
