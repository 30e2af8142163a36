package io.github.replicachequarkus.sync;

import io.github.replicachequarkus.protocol.InvalidRequestException;

/**
 * A mutation of an atomic write of the app's backend failed: nothing of the write was applied. Answered with 422
 * {@code {"error":"MutationFailed","index":i,"message":...}}.
 */
public class MutationFailedException extends InvalidRequestException {

    private final int index;

    public MutationFailedException(int index, String message) {
        super(422, "MutationFailed", message);
        this.index = index;
    }

    /** The position of the mutation that failed in the write's list. */
    public int index() {
        return index;
    }
}
