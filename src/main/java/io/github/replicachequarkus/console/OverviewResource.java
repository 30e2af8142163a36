package io.github.replicachequarkus.console;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicReference;

import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.sse.OutboundSseEvent;
import jakarta.ws.rs.sse.Sse;

import org.jboss.resteasy.reactive.RestHeader;
import org.jboss.resteasy.reactive.RestQuery;

import io.github.replicachequarkus.auth.SpaceAccess;
import io.quarkus.runtime.annotations.RegisterForReflection;
import io.smallrye.common.annotation.Blocking;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.infrastructure.Infrastructure;

/**
 * The deployment's machines, and a stream of Server-Sent Events that sends them with the busiest rooms (see
 * {@link BusiestRoomsResource}) again when they change, for the operator console. Server API: a server credential opens
 * it.
 */
@Path("/api")
@Produces(MediaType.APPLICATION_JSON)
public class OverviewResource {

    /** How often the stream looks for a change. */
    static final Duration LOOK_EVERY = Duration.ofSeconds(1);
    /** How often the stream sends a comment, so that proxies keep a quiet stream open. */
    static final Duration KEEP_ALIVE = Duration.ofSeconds(15);

    /** One event of the activity stream: the machines and a page of the busiest rooms. */
    @RegisterForReflection
    public record Activity(Overview.Machines machines, Overview.Busiest rooms) {

        /** The same, with every heartbeat age 0: an age that grew is not a change worth an event. */
        Activity withoutAges() {
            return new Activity(new Overview.Machines(machines.self(), machines.machines().stream()
                    .map(machine -> new Overview.MachineInfo(machine.id(), machine.region(), machine.state(), 0,
                            machine.sockets(), machine.rooms()))
                    .toList()), rooms);
        }
    }

    private final Overview overview;
    private final SpaceAccess access;

    OverviewResource(Overview overview, SpaceAccess access) {
        this.overview = overview;
        this.access = access;
    }

    @GET
    @Path("machines")
    @Blocking
    public Overview.Machines machines(@RestHeader("Authorization") String authorization) {
        access.requireServer(authorization);
        return overview.machines();
    }

    /**
     * The machines and the busiest rooms (as the two endpoints above, with the same parameters) at once, then again
     * whenever they changed, looked at once a second; a comment every {@link #KEEP_ALIVE} between.
     */
    @GET
    @Path("activity")
    @Produces(MediaType.SERVER_SENT_EVENTS)
    public Multi<OutboundSseEvent> activity(@RestQuery String prefix, @RestQuery String offset,
            @RestQuery String limit, @RestHeader("Authorization") String authorization, @Context Sse sse) {
        access.requireServer(authorization);
        String matching = prefix == null ? "" : prefix;
        int skipped = Paging.offset(offset);
        int size = Paging.limit(limit, BusiestRoomsResource.DEFAULT_LIMIT, BusiestRoomsResource.MAX_LIMIT);
        AtomicReference<Activity> sent = new AtomicReference<>();
        Multi<OutboundSseEvent> changes = Multi.createFrom().ticks().every(LOOK_EVERY) // the first at once
                .onOverflow().drop()
                .onItem().transformToUniAndConcatenate(tick -> Uni.createFrom()
                        .item(() -> new Activity(overview.machines(), overview.busiest(matching, skipped, size)))
                        .runSubscriptionOn(Infrastructure.getDefaultWorkerPool())
                        .onFailure().recoverWithNull()) // the database is away: the next look tries again
                .select().where(activity -> {
                    Activity previous = sent.get();
                    if (previous != null && previous.withoutAges().equals(activity.withoutAges())) {
                        return false;
                    }
                    sent.set(activity);
                    return true;
                })
                .map(activity -> sse.newEventBuilder().mediaType(MediaType.APPLICATION_JSON_TYPE)
                        .data(Activity.class, activity).build());
        Multi<OutboundSseEvent> keepAlive = Multi.createFrom().ticks().startingAfter(KEEP_ALIVE).every(KEEP_ALIVE)
                .onOverflow().drop()
                .map(tick -> sse.newEventBuilder().comment("keep-alive").build());
        return Multi.createBy().merging().streams(changes, keepAlive);
    }
}
