package io.github.replicachequarkus.protocol;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonRawValue;

import io.quarkus.runtime.annotations.RegisterForReflection;

/** One operation of a pull's patch: {@code put} a key's JSON value, {@code del} a key, or {@code clear} them all. */
@RegisterForReflection
@JsonInclude(JsonInclude.Include.NON_NULL)
public record PatchOperation(String op, String key, @JsonRawValue String value) {

    public static final PatchOperation CLEAR = new PatchOperation("clear", null, null);

    /** @param json the value as JSON text, written to the response as it is */
    public static PatchOperation put(String key, String json) {
        return new PatchOperation("put", key, json);
    }

    public static PatchOperation del(String key) {
        return new PatchOperation("del", key, null);
    }
}
