package io.github.replicachequarkus.auth;

import java.util.Optional;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/** Who may use which space (docs/protocol.md, section Auth). */
@ConfigMapping(prefix = "replicache.auth")
public interface AuthConfig {

    /** {@code token}: every request needs a valid JWT; {@code open}: anyone may read and write every space. */
    @WithDefault("token")
    Mode mode();

    /** The shared secret of HS256 tokens ({@code REPLICACHE_AUTH_SECRET}), at least 32 bytes. */
    Optional<String> secret();

    /**
     * The public key of RS256 or ES256 tokens ({@code REPLICACHE_AUTH_PUBLIC_KEY}): PEM ({@code -----BEGIN PUBLIC
     * KEY-----}) or its bare base64. Set this or {@link #secret()}, not both.
     */
    Optional<String> publicKey();

    /**
     * The issuer tokens must name in {@code iss} ({@code REPLICACHE_AUTH_ISSUER}); unset, {@code iss} is not checked.
     * Set it when the key also signs tokens meant for other services, so that theirs are not taken here.
     */
    Optional<String> issuer();

    /**
     * The audience tokens must name in {@code aud}, alone or among others ({@code REPLICACHE_AUTH_AUDIENCE}); unset,
     * {@code aud} is not checked.
     */
    Optional<String> audience();

    enum Mode {
        OPEN,
        TOKEN
    }
}
