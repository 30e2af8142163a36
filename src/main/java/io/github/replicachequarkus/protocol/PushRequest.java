package io.github.replicachequarkus.protocol;

import java.util.List;

import io.quarkus.runtime.annotations.RegisterForReflection;

/** PushRequestV1, as the Replicache client sends it. */
@RegisterForReflection
public record PushRequest(Integer pushVersion, String clientGroupID, List<Mutation> mutations, String profileID,
        String schemaVersion) {

    /** Longest client, client group and mutator name accepted. */
    static final int MAX_ID_LENGTH = 256;

    /**
     * Checks what a version-1 push must have. {@code pushVersion} itself is checked before, since other versions
     * have other shapes and get a protocol error instead.
     *
     * @throws InvalidRequestException naming the first field that is wrong
     */
    public void validate(int maxMutations) {
        requireID("clientGroupID", clientGroupID);
        if (mutations == null) {
            throw new InvalidRequestException("InvalidRequest", "mutations is required (an array, maybe empty)");
        }
        if (mutations.size() > maxMutations) {
            throw new InvalidRequestException(413, "TooManyMutations",
                    "a push may carry at most %d mutations, this one has %d".formatted(maxMutations, mutations.size()));
        }
        for (int i = 0; i < mutations.size(); i++) {
            Mutation mutation = mutations.get(i);
            String at = "mutations[" + i + "]";
            if (mutation == null) {
                throw new InvalidRequestException("InvalidRequest", at + " must be an object");
            }
            requireID(at + ".clientID", mutation.clientID());
            requireID(at + ".name", mutation.name());
            if (mutation.id() == null || mutation.id() < 1) {
                throw new InvalidRequestException("InvalidRequest", at + ".id must be a positive integer");
            }
        }
    }

    /** Whether the text may be a client id or client group id: non-empty, short, and storable as it is. */
    public static boolean isID(String value) {
        return value != null && !value.isEmpty() && value.length() <= MAX_ID_LENGTH && StorableText.isStorable(value);
    }

    static void requireID(String field, String value) {
        if (value == null || value.isEmpty()) {
            throw new InvalidRequestException("InvalidRequest", field + " is required (a non-empty string)");
        }
        if (value.length() > MAX_ID_LENGTH) {
            throw new InvalidRequestException("InvalidRequest", field + " is longer than " + MAX_ID_LENGTH + " characters");
        }
        if (!StorableText.isStorable(value)) {
            throw new InvalidRequestException("InvalidRequest",
                    field + " must be Unicode text without NUL characters or unpaired surrogates");
        }
    }
}
