package io.github.replicachequarkus.sync;

import java.util.List;

import jakarta.enterprise.context.ApplicationScoped;

import io.github.replicachequarkus.mutator.MutatorRegistry;
import io.github.replicachequarkus.protocol.ProtocolError;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;

/**
 * What the protocol does, for Prometheus ({@code /q/metrics}): pushes, mutations by mutator and result, and pull
 * sizes. A mutator name that no mutator has is counted as {@code unknown}, so that clients cannot create series at
 * will. Recorded after commit: a transaction run again after losing a race counts once.
 */
@ApplicationScoped
public class SyncMetrics {

    private final MeterRegistry registry;
    private final MutatorRegistry mutators;
    private final DistributionSummary pullPatch;

    SyncMetrics(MeterRegistry registry, MutatorRegistry mutators) {
        this.registry = registry;
        this.mutators = mutators;
        this.pullPatch = DistributionSummary.builder("replicache.pull.patch.operations")
                .description("Operations in the patch of a pull (or of a hello's reply)").register(registry);
        Gauge.builder("replicache.pull.replies.spooled", Spool::live)
                .description("Pull replies read and not sent yet, or being sent: in memory, or in a temporary file")
                .register(registry);
    }

    /** A push that was processed: its mutations by result, and whether it committed a new version. */
    void pushed(PushLoop.Outcome outcome) {
        Counter.builder("replicache.pushes").description("Pushes processed")
                .tag("changed", Boolean.toString(outcome.changed())).register(registry).increment();
        outcome.applied().forEach(mutation -> mutation(mutation.name(), "applied"));
        outcome.failures().forEach(failure -> mutation(failure.mutation().name(), "failed"));
        skipped("replayed", outcome.skipped());
        skipped("deferred", outcome.deferred());
    }

    /** A write of the app's backend that ran (not a replay of an idempotency key): its mutations by result. */
    void serverWrote(List<String> names, MutateReply reply) {
        Counter.builder("replicache.server.writes").description("Writes of the app's backend (server API, SpaceWriter)")
                .register(registry).increment();
        for (int i = 0; i < names.size(); i++) {
            mutation(names.get(i), reply.results().get(i).ok() ? "applied" : "failed");
        }
    }

    /** A push answered with a protocol error instead (VersionNotSupported, push or schema). */
    void pushRefused(ProtocolError error) {
        Counter.builder("replicache.pushes.refused").description("Pushes answered with a protocol error")
                .tag("error", error.error()).tag("version", String.valueOf(error.versionType())).register(registry)
                .increment();
    }

    void pulled(int patchOperations) {
        pullPatch.record(patchOperations);
    }

    private void mutation(String name, String result) {
        Counter.builder("replicache.mutations").description("Mutations run, by mutator and result")
                .tag("mutator", mutators.find(name).isPresent() ? name : "unknown").tag("result", result)
                .register(registry).increment();
    }

    private void skipped(String reason, int count) {
        if (count > 0) {
            Counter.builder("replicache.mutations.skipped")
                    .description("Mutations not run: replayed (already processed) or deferred (after a gap)")
                    .tag("reason", reason).register(registry).increment(count);
        }
    }
}
