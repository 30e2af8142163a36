package io.github.replicachequarkus.auth;

import java.time.Instant;

import jakarta.enterprise.context.ApplicationScoped;

/** The one place that decides whether a request may touch a space: HTTP endpoints and rooms ask here. */
@ApplicationScoped
public class SpaceAccess {

    private final Authorizer authorizer;

    SpaceAccess(Authorizer authorizer) {
        this.authorizer = authorizer;
    }

    /**
     * @throws NotAuthenticatedException when the credentials are missing, invalid or expired
     * @throws ForbiddenException when they do not give the access needed
     */
    public Caller require(String credentials, String spaceID, Access needed) {
        Caller caller = authenticate(credentials);
        check(caller, spaceID, needed);
        return caller;
    }

    /**
     * The server API's check: only the app's backend, with a server credential, passes (anyone, in open mode).
     *
     * @throws NotAuthenticatedException when the credentials are missing, invalid or expired
     * @throws ForbiddenException when they are a client's
     */
    public Caller requireServer(String credentials) {
        Caller caller = authenticate(credentials);
        if (!caller.server()) {
            throw new ForbiddenException("the server API needs a server credential (a token with \"server\": true); "
                    + "a client's token does not open it");
        }
        return caller;
    }

    /** @throws NotAuthenticatedException when the credentials are missing, invalid or expired */
    public Caller authenticate(String credentials) {
        Caller caller = authorizer.authenticate(credentials);
        if (caller == null) {
            throw new NotAuthenticatedException("the credentials were not accepted");
        }
        if (expired(caller)) {
            throw new NotAuthenticatedException("the token has expired");
        }
        return caller;
    }

    /** @throws ForbiddenException when the caller lacks the access needed in the space */
    public static void check(Caller caller, String spaceID, Access needed) {
        Access access = caller.accessTo(spaceID);
        if (!access.allows(needed)) {
            throw new ForbiddenException(access == Access.NONE ? "no access to space " + spaceID
                    : "read-only access to space " + spaceID + ": pushes are refused");
        }
    }

    public static boolean expired(Caller caller) {
        return caller.expiresAt().map(expiry -> !expiry.isAfter(Instant.now())).orElse(false);
    }
}
