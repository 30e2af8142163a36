package io.github.replicachequarkus.sync;

import java.util.List;

import com.fasterxml.jackson.annotation.JsonInclude;

import io.quarkus.runtime.annotations.RegisterForReflection;

/**
 * What a write of the app's backend did: the version of the space it committed at (the space's version when it changed
 * nothing), and each mutation's result, in order.
 */
@RegisterForReflection
public record MutateReply(long version, List<Result> results) {

    /** One mutation's result: applied, or skipped with the reason (only when the write is not atomic). */
    @RegisterForReflection
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Result(boolean ok, String error) {

        static final Result OK = new Result(true, null);

        static Result failed(String error) {
            return new Result(false, error);
        }
    }
}
