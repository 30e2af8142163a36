package io.github.replicachequarkus.protocol;

import com.fasterxml.jackson.databind.JsonNode;

import io.quarkus.runtime.annotations.RegisterForReflection;

/** PullRequestV1. The cookie is whatever the client holds: null, a number, a string or an object with an order. */
@RegisterForReflection
public record PullRequest(Integer pullVersion, String clientGroupID, JsonNode cookie, String profileID,
        String schemaVersion) {

    public void validate() {
        PushRequest.requireID("clientGroupID", clientGroupID);
    }
}
