package io.github.replicachequarkus.auth;

/** What a caller may do in a space. */
public enum Access {
    /** Nothing: the space is not theirs. */
    NONE,
    /** Pull and listen for pokes ({@code "r"} in a token). */
    READ,
    /** Pull, listen and push ({@code "rw"} in a token). */
    WRITE;

    /** Whether this access covers what is needed. */
    public boolean allows(Access needed) {
        return compareTo(needed) >= 0;
    }
}
