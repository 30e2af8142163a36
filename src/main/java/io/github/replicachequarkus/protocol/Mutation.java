package io.github.replicachequarkus.protocol;

import com.fasterxml.jackson.databind.JsonNode;

import io.quarkus.runtime.annotations.RegisterForReflection;

/** One mutation of a push: client {@code clientID}'s {@code id}-th call of mutator {@code name}. */
@RegisterForReflection
public record Mutation(String clientID, Long id, String name, JsonNode args, Double timestamp) {
}
