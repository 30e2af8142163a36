package io.github.replicachequarkus.sync;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.BooleanSupplier;

import io.github.replicachequarkus.protocol.Mutation;
import io.github.replicachequarkus.store.Faults;

/**
 * The rules of a push, without storage: which mutations run, and how far each client's last mutation id advances.
 * <ul>
 * <li>{@code id <= lastMutationID}: already processed, skipped;</li>
 * <li>{@code id > lastMutationID + 1}: a gap; that client's later mutations in this push are left for it to re-send;</li>
 * <li>otherwise the mutation runs, and the client advances whether the mutator succeeded or failed (a failed one
 * would fail again, and the client must not re-send it forever).</li>
 * <li>when the push's time is up, the mutation about to run and all after it are left for their clients to re-send,
 * so that one push cannot hold its lane (and every space on it) for long.</li>
 * </ul>
 */
public final class PushLoop {

    /** Runs one mutation; says why it failed, or {@code null} when it applied. Faults that abort the push throw. */
    @FunctionalInterface
    public interface Runner {
        String run(Mutation mutation);
    }

    /** A mutation whose mutator failed: rolled back, but counted as processed. */
    public record Failure(Mutation mutation, String reason) {
    }

    /**
     * @param lastMutationIDs the clients whose last mutation id advanced, with the new value
     * @param applied the mutations whose mutator succeeded
     * @param skipped mutations already processed before (replays)
     * @param deferred mutations after a gap, or after the push's time ran out, left for later
     * @param outOfTime whether the push's time ran out with mutations left that could have run: the server goes on
     *        with them in a later batch
     */
    public record Outcome(Map<String, Long> lastMutationIDs, List<Mutation> applied, List<Failure> failures,
            int skipped, int deferred, boolean outOfTime) {

        /** Whether the push changed anything: if not, it commits no new version and pokes nobody. */
        public boolean changed() {
            return !lastMutationIDs.isEmpty();
        }
    }

    private PushLoop() {
    }

    /**
     * @param current each client's last processed mutation id (a client not in the map has processed none)
     */
    public static Outcome process(List<Mutation> mutations, Map<String, Long> current, Runner runner) {
        return process(mutations, current, runner, () -> false);
    }

    /**
     * @param current each client's last processed mutation id (a client not in the map has processed none)
     * @param spent whether the push's time is up: checked before each mutation that would run; once it says so, that
     *        mutation and every one after it are left for later (the push stops as at a gap)
     */
    public static Outcome process(List<Mutation> mutations, Map<String, Long> current, Runner runner,
            BooleanSupplier spent) {
        Map<String, Long> last = new HashMap<>(current);
        Map<String, Long> advanced = new LinkedHashMap<>();
        Set<String> stopped = new HashSet<>();
        List<Failure> failures = new ArrayList<>();
        List<Mutation> applied = new ArrayList<>();
        int skipped = 0;
        int deferred = 0;
        boolean outOfTime = false;
        for (Mutation mutation : mutations) {
            String client = mutation.clientID();
            long lastID = last.getOrDefault(client, 0L);
            if (!outOfTime && mutation.id() == lastID + 1 && !stopped.contains(client) && spent.getAsBoolean()) {
                outOfTime = true;
            }
            if (outOfTime || stopped.contains(client) || mutation.id() > lastID + 1) {
                stopped.add(client);
                deferred++;
            } else if (mutation.id() <= lastID) {
                skipped++;
            } else {
                String failure = runner.run(mutation);
                if (failure == null) {
                    applied.add(mutation);
                } else {
                    failures.add(new Failure(mutation, failure));
                }
                last.put(client, mutation.id());
                advanced.put(client, mutation.id());
            }
        }
        return new Outcome(advanced, applied, failures, skipped, deferred, outOfTime);
    }
}
