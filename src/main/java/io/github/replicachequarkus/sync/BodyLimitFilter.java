package io.github.replicachequarkus.sync;

import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.core.Response;

import org.jboss.resteasy.reactive.server.ServerRequestFilter;

/**
 * Refuses a body over {@code replicache.sync.max-body-size} before reading it, when its length is announced, with a
 * JSON 413. A chunked body is cut off at the same size by the JSON parser ({@code JsonConfig}), and the HTTP layer's
 * own {@code quarkus.http.limits.max-body-size} stays a larger backstop.
 */
public class BodyLimitFilter {

    private final SyncConfig config;

    BodyLimitFilter(SyncConfig config) {
        this.config = config;
    }

    @ServerRequestFilter(preMatching = true)
    public Response checkLength(ContainerRequestContext request) {
        int length = request.getLength();
        long limit = config.maxBodySize().asLongValue();
        if (length > limit) {
            return ErrorMapper.error(413, "PayloadTooLarge",
                    "the body is %d bytes, more than the %d allowed".formatted(length, limit));
        }
        return null;
    }
}
