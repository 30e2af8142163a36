package io.github.replicachequarkus.sync;

import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.core.Response;

import org.jboss.resteasy.reactive.server.ServerRequestFilter;

import io.github.replicachequarkus.auth.Access;
import io.github.replicachequarkus.auth.Caller;
import io.github.replicachequarkus.auth.SpaceAccess;
import io.github.replicachequarkus.protocol.SpaceId;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.infrastructure.Infrastructure;
import io.vertx.ext.web.RoutingContext;

/**
 * Checks who calls the Replicache endpoints before their body is read: a push or pull needs the right to its space
 * (named in the query), {@code createSpace} and {@code spaceExists} need valid credentials (their space, named in the
 * body, is checked after). Nobody makes the server read and parse a body before they are known. The check runs on a
 * worker thread, since an application's {@code Authorizer} may block; the caller is left in the request for the
 * resource.
 */
public class CallerFilter {

    /** Where the resource finds the caller the filter checked. */
    static final String CALLER = "replicache.caller";

    private final SpaceAccess access;

    CallerFilter(SpaceAccess access) {
        this.access = access;
    }

    @ServerRequestFilter
    public Uni<Response> check(ContainerRequestContext request, RoutingContext routing) {
        Access needed = switch (request.getUriInfo().getPath()) {
            case "/api/replicache/push" -> Access.WRITE;
            case "/api/replicache/pull" -> Access.READ;
            case "/api/replicache/createSpace", "/api/replicache/spaceExists" -> Access.NONE;
            default -> null;
        };
        if (needed == null) {
            return Uni.createFrom().nullItem();
        }
        String credentials = request.getHeaderString("Authorization");
        String spaceID = request.getUriInfo().getQueryParameters().getFirst("spaceID");
        return Uni.createFrom().item(() -> {
            Caller caller = needed == Access.NONE ? access.authenticate(credentials)
                    : access.require(credentials, SpaceId.require(spaceID), needed);
            routing.put(CALLER, caller);
            return (Response) null;
        }).runSubscriptionOn(Infrastructure.getDefaultWorkerPool());
    }

    /** The caller the filter checked for this request. */
    static Caller caller(RoutingContext routing) {
        Caller caller = routing.get(CALLER);
        if (caller == null) {
            throw new IllegalStateException("no caller was checked for " + routing.normalizedPath());
        }
        return caller;
    }
}
