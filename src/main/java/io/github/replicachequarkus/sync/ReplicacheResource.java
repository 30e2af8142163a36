package io.github.replicachequarkus.sync;

import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;

import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.StreamingOutput;

import org.jboss.resteasy.reactive.RestQuery;

import io.github.replicachequarkus.auth.Access;
import io.github.replicachequarkus.auth.Caller;
import io.github.replicachequarkus.auth.SpaceAccess;
import io.github.replicachequarkus.protocol.InvalidRequestException;
import io.github.replicachequarkus.protocol.PullRequest;
import io.github.replicachequarkus.protocol.PushRequest;
import io.github.replicachequarkus.protocol.SpaceId;
import io.quarkus.runtime.annotations.RegisterForReflection;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.infrastructure.Infrastructure;
import io.vertx.ext.web.RoutingContext;

/** The Replicache protocol over HTTP, for stock clients configured with {@code pushURL} and {@code pullURL}. */
@Path("/api/replicache")
@Consumes(MediaType.APPLICATION_JSON)
@Produces(MediaType.APPLICATION_JSON)
public class ReplicacheResource {

    private final PushService pushes;
    private final PullService pulls;
    private final SpaceService spaces;

    ReplicacheResource(PushService pushes, PullService pulls, SpaceService spaces) {
        this.pushes = pushes;
        this.pulls = pulls;
        this.spaces = spaces;
    }

    @RegisterForReflection
    public record SpaceRequest(String spaceID) {
    }

    @RegisterForReflection
    public record CreatedSpace(String spaceID) {
    }

    @RegisterForReflection
    public record SpaceExists(boolean spaceExists) {
    }

    /** A processed push's reply, as JSON text: written as it is, without a serializer and its output stream. */
    private static final String PUSHED = "{}";

    /**
     * {@code {}} once the push is processed (a push confirms nothing: the next pull does), or a protocol error. The
     * caller was checked before the body was read ({@link CallerFilter}); the body is read as it arrives and parsed on
     * the event loop (a worker thread reading it would wait for each chunk, which cost a fifth of a push's time); a
     * worker thread queues the push for its batch's transaction, and the reply goes out when that commits.
     */
    @POST
    @Path("push")
    public Uni<Object> push(@RestQuery String spaceID, RoutingContext routing, PushRequest request) {
        Caller caller = CallerFilter.caller(routing);
        return Uni.createFrom().item(() -> pushes.pushAsync(spaceID, request, caller))
                .runSubscriptionOn(Infrastructure.getDefaultWorkerPool())
                .onItem().transformToUni(processed -> Uni.createFrom().completionStage(processed))
                .map(error -> error == null ? PUSHED : error);
    }

    @POST
    @Path("pull")
    public Object pull(@RestQuery String spaceID, RoutingContext routing, PullRequest request) {
        Caller caller = CallerFilter.caller(routing);
        // A client that leaves before its reply starts is never sent it: Quarkus REST then never calls the body, and
        // what it holds (its spool, its place among the whole-state pulls) is let go when the connection ends.
        AtomicReference<PullService.Streamed> spooled = new AtomicReference<>();
        AtomicBoolean ended = new AtomicBoolean();
        routing.addEndHandler(done -> {
            ended.set(true);
            PullService.Streamed body = spooled.get();
            if (body != null && !body.released()) { // usually it was sent, and let go, already
                Infrastructure.getDefaultWorkerPool().execute(body::release); // deleting a file: not on the event loop
            }
        });
        switch (pulls.pullStreamed(spaceID, request, caller.accessTo(spaceID).allows(Access.WRITE), caller.userID())) {
            case PullService.Refused<?> refused -> {
                return refused.error();
            }
            case PullService.Streamed body -> {
                spooled.set(body);
                if (ended.get() || routing.response().closed()) {
                    body.release(); // it ended while the reply was read
                }
                // The body goes to the Vert.x response itself, paced by the client: not through Quarkus REST's output
                // stream, which does not wait for a client that stopped reading (PacedReply). Quarkus REST still writes
                // the headers (with the first chunk) and ends the response.
                return (StreamingOutput) output -> body.sendTo(routing.response());
            }
        }
    }

    @POST
    @Path("createSpace")
    public CreatedSpace createSpace(RoutingContext routing, SpaceRequest request) {
        String spaceID = request == null || request.spaceID() == null ? SpaceId.random() : SpaceId.require(request.spaceID());
        SpaceAccess.check(CallerFilter.caller(routing), spaceID, Access.WRITE);
        return new CreatedSpace(spaces.create(spaceID));
    }

    @POST
    @Path("spaceExists")
    public SpaceExists spaceExists(RoutingContext routing, SpaceRequest request) {
        if (request == null) {
            throw new InvalidRequestException("InvalidRequest", "the body must be {\"spaceID\": \"...\"}");
        }
        SpaceAccess.check(CallerFilter.caller(routing), SpaceId.require(request.spaceID()), Access.READ);
        return new SpaceExists(spaces.exists(request.spaceID()));
    }
}
