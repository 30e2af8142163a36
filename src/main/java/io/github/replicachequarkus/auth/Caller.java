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

    static Caller of(String userID, Instant expiresAt, Function<String, Access> rights) {
        return new Caller() {
            @Override
            public Optional<String> userID() {
                return Optional.ofNullable(userID);
            }

            @Override
            public Optional<Instant> expiresAt() {
                return Optional.ofNullable(expiresAt);
            }

            @Override
            public Access accessTo(String spaceID) {
                return rights.apply(spaceID);
            }

            @Override
            public String toString() {
                return userID == null ? "anyone" : "user " + userID;
            }
        };
    }
}
