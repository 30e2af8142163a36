package io.github.replicachequarkus.console;

import java.time.Instant;
import java.util.List;
import java.util.UUID;

import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

import org.jboss.resteasy.reactive.RestHeader;
import org.jboss.resteasy.reactive.RestPath;
import org.jboss.resteasy.reactive.RestQuery;

import io.github.replicachequarkus.auth.SpaceAccess;
import io.github.replicachequarkus.protocol.InvalidRequestException;
import io.github.replicachequarkus.webhook.WebhookAdmin;
import io.quarkus.runtime.annotations.RegisterForReflection;
import io.smallrye.common.annotation.Blocking;

/** The webhooks, for the operator console: each endpoint's state, the dead deliveries, and sending one again. */
@Path("/api/webhooks")
@Produces(MediaType.APPLICATION_JSON)
public class WebhooksResource {

    static final int DEFAULT_LIMIT = 100;
    static final int MAX_LIMIT = 1000;

    /** The configured endpoints, by name. */
    @RegisterForReflection
    public record Endpoints(List<Endpoint> endpoints) {
    }

    /** An endpoint's state; {@code url} without its user info or its query's values. */
    @RegisterForReflection
    public record Endpoint(String name, String url, long pending, long delivered, long failed, long dead, long lagMs,
            String lastError) {
    }

    /** The dead deliveries kept, the latest to die first. */
    @RegisterForReflection
    public record Dead(List<DeadDelivery> dead) {
    }

    /** A dead delivery: the changes of the space after {@code fromVersion} up to {@code toVersion}. */
    @RegisterForReflection
    public record DeadDelivery(UUID id, String endpoint, String spaceID, long fromVersion, long toVersion,
            int attempts, String lastError, Instant diedAt) {
    }

    /** A dead delivery queued to be sent again. */
    @RegisterForReflection
    public record Retried(UUID id) {
    }

    private final SpaceAccess access;
    private final WebhookAdmin webhooks;

    WebhooksResource(SpaceAccess access, WebhookAdmin webhooks) {
        this.access = access;
        this.webhooks = webhooks;
    }

    @GET
    @Blocking
    public Endpoints endpoints(@RestHeader("Authorization") String authorization) {
        access.requireServer(authorization);
        return new Endpoints(webhooks.endpoints().stream().map(state -> new Endpoint(state.name(), state.url(),
                state.pending(), state.delivered(), state.failed(), state.dead(), state.lagMs(), state.lastError()))
                .toList());
    }

    @GET
    @Path("dead")
    @Blocking
    public Dead dead(@RestQuery String limit, @RestHeader("Authorization") String authorization) {
        access.requireServer(authorization);
        return new Dead(webhooks.dead(Paging.limit(limit, DEFAULT_LIMIT, MAX_LIMIT)).stream()
                .map(dead -> new DeadDelivery(dead.id(), dead.endpoint(), dead.spaceID(), dead.fromVersion(),
                        dead.toVersion(), dead.attempts(), dead.lastError(), dead.diedAt()))
                .toList());
    }

    /** Sends a dead delivery again: 202 once it is due; it goes out within the endpoint's poll interval. */
    @POST
    @Path("dead/{id}/retry")
    @Blocking
    public Response retry(@RestPath String id, @RestHeader("Authorization") String authorization) {
        access.requireServer(authorization);
        UUID delivery = deliveryID(id);
        return switch (webhooks.retry(delivery)) {
            case QUEUED -> Response.accepted(new Retried(delivery)).build();
            case NOT_FOUND -> throw new InvalidRequestException(404, "DeliveryNotFound", "no dead delivery " + id);
            case IN_FLIGHT -> throw new InvalidRequestException(409, "DeliveryInFlight", "another delivery of the same"
                    + " endpoint and space is in flight: retry once it is taken or dead");
            case NO_ENDPOINT -> throw new InvalidRequestException(409, "EndpointNotConfigured",
                    "the delivery's endpoint is not configured any more");
        };
    }

    private static UUID deliveryID(String id) {
        try {
            return UUID.fromString(id);
        } catch (IllegalArgumentException e) {
            throw new InvalidRequestException(404, "DeliveryNotFound", "no dead delivery " + id);
        }
    }
}
