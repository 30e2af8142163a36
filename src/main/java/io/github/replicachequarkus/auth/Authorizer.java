package io.github.replicachequarkus.auth;

/**
 * Turns the credentials a client sent into a {@link Caller}. The default ({@link TokenAuthorizer}) follows
 * {@code replicache.auth.mode}; an application replaces it by declaring a CDI bean of its own that implements this
 * interface (checking a session in its own database, say).
 */
public interface Authorizer {

    /**
     * @param credentials what the client sent: the {@code Authorization} header's value over HTTP (which the
     *        Replicache client fills with its {@code auth} option, as is), or the {@code auth} of a room's hello or
     *        query string; {@code null} or blank when none was sent
     * @throws NotAuthenticatedException when the credentials are missing, malformed or expired: the client is told
     *         to get new ones (HTTP 401, close code 4401)
     */
    Caller authenticate(String credentials);
}
