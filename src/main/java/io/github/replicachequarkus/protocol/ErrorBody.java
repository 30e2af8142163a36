package io.github.replicachequarkus.protocol;

import io.quarkus.runtime.annotations.RegisterForReflection;

/** The one shape of every error the application answers with a 4xx or 5xx status. */
@RegisterForReflection
public record ErrorBody(String error, String message) {
}
