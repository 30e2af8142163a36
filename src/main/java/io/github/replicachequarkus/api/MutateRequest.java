package io.github.replicachequarkus.api;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.github.replicachequarkus.protocol.InvalidRequestException;
import io.github.replicachequarkus.sync.SpaceWriter;

/**
 * The body of the server API's {@code mutate}: {@code {"mutations": [{"name": ..., "args": ...}, ...], "atomic": true}},
 * checked field by field, so that a wrong shape gets a 400 that names what is wrong.
 */
record MutateRequest(List<SpaceWriter.Call> calls, boolean atomic) {

    static MutateRequest read(JsonNode body, int maxMutations) {
        if (body == null || !body.isObject()) {
            throw invalid("the body must be a JSON object: {\"mutations\": [{\"name\": ..., \"args\": ...}]}");
        }
        JsonNode mutations = body.get("mutations");
        if (mutations == null || !mutations.isArray()) {
            throw invalid("mutations must be an array of {\"name\": ..., \"args\": ...}");
        }
        if (mutations.size() > maxMutations) {
            throw invalid("%d mutations, more than the %d a request may hold".formatted(mutations.size(), maxMutations));
        }
        JsonNode atomic = body.get("atomic");
        if (atomic != null && !atomic.isBoolean()) {
            throw invalid("atomic must be true or false");
        }
        List<SpaceWriter.Call> calls = new ArrayList<>(mutations.size());
        for (int i = 0; i < mutations.size(); i++) {
            JsonNode mutation = mutations.get(i);
            JsonNode name = mutation.get("name");
            if (!mutation.isObject() || name == null || !name.isTextual() || name.textValue().isEmpty()) {
                throw invalid("mutation %d needs a name (a non-empty string)".formatted(i));
            }
            calls.add(new SpaceWriter.Call(name.textValue(), mutation.get("args")));
        }
        return new MutateRequest(calls, atomic == null || atomic.booleanValue());
    }

    /** What tells a retry (the same JSON) from another request sent with the same idempotency key. */
    static String hash(ObjectMapper mapper, JsonNode body) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256")
                    .digest(mapper.writeValueAsString(body).getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(digest);
        } catch (NoSuchAlgorithmException | JsonProcessingException e) {
            throw new IllegalStateException("could not hash a mutate request", e);
        }
    }

    private static InvalidRequestException invalid(String message) {
        return new InvalidRequestException("InvalidRequest", message);
    }
}
