package io.github.replicachequarkus.sync;

import java.util.Map;

import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;

import org.jboss.resteasy.reactive.RestQuery;

import io.quarkus.runtime.annotations.RegisterForReflection;

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

    /** {@code {}} once the push is processed (a push confirms nothing: the next pull does), or a protocol error. */
    @POST
    @Path("push")
    public Object push(@RestQuery String spaceID, PushRequest request) {
        ProtocolError error = pushes.push(spaceID, request);
        return error == null ? Map.of() : error;
    }

    @POST
    @Path("pull")
    public Object pull(@RestQuery String spaceID, PullRequest request) {
        return switch (pulls.pull(spaceID, request)) {
            case PullService.Pulled pulled -> pulled.response();
            case PullService.Refused refused -> refused.error();
        };
    }

    @POST
    @Path("createSpace")
    public CreatedSpace createSpace(SpaceRequest request) {
        return new CreatedSpace(spaces.create(request == null ? null : request.spaceID()));
    }

    @POST
    @Path("spaceExists")
    public SpaceExists spaceExists(SpaceRequest request) {
        if (request == null) {
            throw new InvalidRequestException("InvalidRequest", "the body must be {\"spaceID\": \"...\"}");
        }
        return new SpaceExists(spaces.exists(request.spaceID()));
    }
}
