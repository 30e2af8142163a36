package io.github.replicachequarkus.auth;

import java.time.Instant;
import java.util.Optional;
import java.util.function.Function;

/** Who sent a request, what each space allows them, and until when. */
public interface Caller {

    /** Anyone, in {@code open} mode: no user, every space writable, no expiry, and the server API too. */
    Caller ANYONE = new Granted(Optional.empty(), Optional.empty(), spaceID -> Access.WRITE, true);

    /** The user's id (a token's {@code sub}); empty for {@link #ANYONE}. */
    Optional<String> userID();

    /** When the credentials stop being valid: a socket authenticated with them is closed then (4401). */
    Optional<Instant> expiresAt();

    /** What the caller may do in the space. */
    Access accessTo(String spaceID);

    /**
     * Whether the caller is the app's backend, with a server credential: it may use the server API
     * ({@code /api/spaces}), which no client's token opens, and may read and write every space.
     */
    default boolean server() {
        return false;
    }

    /**
     * A caller with these rights.
     *
     * @param userID null for nobody in particular (open mode)
     * @param expiresAt null for never
     */
    static Caller of(String userID, Instant expiresAt, Function<String, Access> rights) {
        return new Granted(Optional.ofNullable(userID), Optional.ofNullable(expiresAt), rights, false);
    }

    /**
     * The app's backend, with a server credential: every space writable, and the server API.
     *
     * @param subject who the credential names (a token's {@code sub}: the backend's name, as logs show it)
     * @param expiresAt null for never
     */
    static Caller server(String subject, Instant expiresAt) {
        return new Granted(Optional.ofNullable(subject), Optional.ofNullable(expiresAt), spaceID -> Access.WRITE, true);
    }

    /**
     * A caller whose rights in each space are given by a function (a token's claims, or everything in open mode), and
     * whether it is the app's backend.
     */
    record Granted(Optional<String> userID, Optional<Instant> expiresAt, Function<String, Access> rights, boolean server)
            implements
                Caller {

        @Override
        public Access accessTo(String spaceID) {
            return rights.apply(spaceID);
        }

        @Override
        public String toString() {
            return userID.map(id -> (server ? "server " : "user ") + id).orElse("anyone");
        }
    }
}
