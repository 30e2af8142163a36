package io.github.replicachequarkus.room;

import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.github.replicachequarkus.protocol.PatchOperation;
import io.github.replicachequarkus.protocol.PullResponse;
import io.quarkus.runtime.annotations.RegisterForReflection;

/** The frames a room sends. Clients' frames are read as JSON trees and dispatched on {@code messageType}. */
final class Frames {

    private Frames() {
    }

    /** A frame, or a value within one, as JSON text. */
    static String text(ObjectMapper mapper, Object value) {
        try {
            return mapper.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a frame did not write as JSON", e);
        }
    }

    /** The greeting, sent on open. */
    @RegisterForReflection
    record Greeting(String data) {
        static final Greeting HELLO = new Greeting("hello");
    }

    /**
     * What {@code rep.poke({baseCookie, pullResponse})} takes, flattened: the patch from {@code baseCookie} (the cookie
     * this socket was last sent) to {@code cookie}.
     */
    @RegisterForReflection
    record Poke(String message, JsonNode baseCookie, JsonNode cookie, Map<String, Long> lastMutationIDChanges,
            List<PatchOperation> patch) {
        static Poke of(JsonNode baseCookie, JsonNode cookie, PullResponse changes) {
            return new Poke("poke", baseCookie, cookie, changes.lastMutationIDChanges(), changes.patch());
        }
    }

    /**
     * Something the client sent was wrong; the socket stays open. {@code message} names the frame type, as in every
     * frame, so the text goes in {@code detail}.
     */
    @RegisterForReflection
    @JsonInclude(JsonInclude.Include.NON_NULL)
    record Error(String message, String error, String detail, String versionType, String requestID) {
        static Error of(String error, String detail) {
            return new Error("error", error, detail, null, null);
        }
    }
}
