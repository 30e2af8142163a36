package io.github.replicachequarkus.protocol;

import com.fasterxml.jackson.annotation.JsonInclude;

import io.quarkus.runtime.annotations.RegisterForReflection;

/**
 * The errors the Replicache protocol itself defines. They go out with status 200, because the client parses only
 * 200 bodies (anything else it just retries).
 */
@RegisterForReflection
@JsonInclude(JsonInclude.Include.NON_NULL)
public record ProtocolError(String error, String versionType) {

    public static final ProtocolError CLIENT_STATE_NOT_FOUND = new ProtocolError("ClientStateNotFound", null);

    /** @param versionType {@code push}, {@code pull} or {@code schema} */
    public static ProtocolError versionNotSupported(String versionType) {
        return new ProtocolError("VersionNotSupported", versionType);
    }
}
