package io.github.replicachequarkus.auth;

import java.time.Instant;
import java.util.Optional;
import java.util.function.Function;

/** Who sent a request, what each space allows them, and until when. */
public interface Caller {

    /** Anyone, in {@code open} mode: no user, every space writable, no expiry. */
    Caller ANYONE = of(null, null, spaceID -> Access.WRITE);

    /** The user's id (a token's {@code sub}); empty for {@link #ANYONE}. */
    Optional<String> userID();

    /** When the credentials stop being valid: a socket authenticated with them is closed then (4401). */
    Optional<Instant> expiresAt();

    /** What the caller may do in the space. */
    Access accessTo(String spaceID);

    /**
     * A caller with these rights.
     *
     * @param userID null for nobody in particular (open mode)
     * @param expiresAt null for never
     */
    static Caller of(String userID, Instant expiresAt, Function<String, Access> rights) {
        return new Granted(Optional.ofNullable(userID), Optional.ofNullable(expiresAt), rights);
    }

    /** A caller whose rights in each space are given by a function (a token's claims, or everything in open mode). */
    record Granted(Optional<String> userID, Optional<Instant> expiresAt, Function<String, Access> rights)
            implements
                Caller {

        @Override
        public Access accessTo(String spaceID) {
            return rights.apply(spaceID);
        }

        @Override
        public String toString() {
            return userID.map(id -> "user " + id).orElse("anyone");
        }
    }
}
