package io.github.replicachequarkus.console;

import java.util.List;
import java.util.Map;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;

import org.jboss.resteasy.reactive.RestHeader;

import io.github.replicachequarkus.auth.SpaceAccess;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.annotations.RegisterForReflection;
import io.quarkus.scheduler.Scheduled;

/**
 * This machine's last hour of a few meters, for the console's charts: sampled every {@link #INTERVAL_SECONDS} seconds
 * into a ring of {@link MetricsRing#POINTS} points (see {@link MetricsRing} for what each series is). Server API: a
 * server credential opens it.
 */
@Path("/api/metrics/history")
@Produces(MediaType.APPLICATION_JSON)
@ApplicationScoped
public class MetricsHistory {

    static final int INTERVAL_SECONDS = 10;

    /** The series, each a list of {@code [epochMs, value]}, oldest first. */
    @RegisterForReflection
    public record History(int intervalSeconds, Map<String, List<List<Number>>> series) {
    }

    private final MetricsRing ring;
    private final SpaceAccess access;

    MetricsHistory(MeterRegistry registry, SpaceAccess access) {
        this.ring = new MetricsRing(registry);
        this.access = access;
    }

    @Scheduled(identity = "replicache-metrics-history", every = INTERVAL_SECONDS
            + "s", concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    void sample() {
        ring.sample(System.currentTimeMillis());
    }

    @GET
    public History history(@RestHeader("Authorization") String authorization) {
        access.requireServer(authorization);
        return new History(INTERVAL_SECONDS, ring.series());
    }
}
