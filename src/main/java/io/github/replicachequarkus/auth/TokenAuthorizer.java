package io.github.replicachequarkus.auth;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.Key;
import java.security.KeyFactory;
import java.security.interfaces.ECPublicKey;
import java.security.spec.X509EncodedKeySpec;
import java.time.Instant;
import java.util.Base64;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;

import javax.crypto.SecretKey;
import javax.crypto.spec.SecretKeySpec;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

import org.jose4j.jwa.AlgorithmConstraints;
import org.jose4j.jws.AlgorithmIdentifiers;
import org.jose4j.jwt.JwtClaims;
import org.jose4j.jwt.MalformedClaimException;
import org.jose4j.jwt.consumer.InvalidJwtException;
import org.jose4j.jwt.consumer.JwtConsumer;
import org.jose4j.jwt.consumer.JwtConsumerBuilder;

import io.quarkus.arc.DefaultBean;
import io.quarkus.logging.Log;
import io.quarkus.runtime.StartupEvent;
import io.quarkus.runtime.configuration.ConfigurationException;

/**
 * The default {@link Authorizer}: in {@code open} mode everyone may do everything; in {@code token} mode the
 * credentials are a JWT (PROTOCOL.md section 7), verified with jose4j against the configured secret (HS256) or public
 * key (RS256, ES256): {@code sub} is the user, {@code exp} the expiry, {@code spaces} the rights.
 */
@DefaultBean
@ApplicationScoped
public class TokenAuthorizer implements Authorizer {

    /** HS256 needs a key at least as long as its hash (RFC 7518, 3.2). */
    private static final int MIN_SECRET_BYTES = 32;

    private static final Pattern BEARER = Pattern.compile("^Bearer(\\s+|$)", Pattern.CASE_INSENSITIVE);

    private final AuthConfig config;
    private volatile JwtConsumer consumer;

    TokenAuthorizer(AuthConfig config) {
        this.config = config;
    }

    /** Refuses to start in token mode without a usable key; says loudly that open mode is open. */
    void check(@Observes StartupEvent startup) {
        if (config.mode() == AuthConfig.Mode.OPEN) {
            Log.warn("Auth is OPEN (replicache.auth.mode=open): anyone may read and write every space. "
                    + "Set REPLICACHE_AUTH_MODE=token and REPLICACHE_AUTH_SECRET before exposing this server.");
            return;
        }
        Key key = verificationKey(config);
        consumer = consumer(key);
        Log.infof("Auth: token mode, %s tokens", String.join("/", algorithms(key)));
    }

    @Override
    public Caller authenticate(String credentials) {
        if (config.mode() == AuthConfig.Mode.OPEN) {
            return Caller.ANYONE;
        }
        String token = bearer(credentials);
        if (token.isEmpty()) {
            throw new NotAuthenticatedException("a token is needed (Authorization: Bearer <jwt>)");
        }
        JwtClaims claims;
        try {
            claims = consumer.processToClaims(token);
        } catch (InvalidJwtException e) {
            Log.debugf("Token refused: %s", e.getMessage());
            throw new NotAuthenticatedException(e.hasExpired() ? "the token has expired" : "the token is not valid");
        }
        try {
            return Caller.of(claims.getSubject(), Instant.ofEpochSecond(claims.getExpirationTime().getValue()),
                    new SpaceRights(spaces(claims))::accessTo);
        } catch (MalformedClaimException e) {
            throw new NotAuthenticatedException("the token is not valid");
        }
    }

    /**
     * Checks what PROTOCOL.md section 7 asks and nothing more: the signature (only the algorithms of the configured
     * key, so an HS256 token signed with a public key as its secret is refused), {@code exp} and {@code sub}.
     * {@code iat}, {@code iss} and {@code aud} may be present and are not checked. {@code exp} is checked without a
     * tolerance, as {@link SpaceAccess} checks every caller's expiry (whatever the authorizer) and closes sockets then.
     */
    static JwtConsumer consumer(Key key) {
        return new JwtConsumerBuilder()
                .setVerificationKey(key)
                .setJwsAlgorithmConstraints(AlgorithmConstraints.ConstraintType.PERMIT, algorithms(key))
                .setRequireExpirationTime()
                .setRequireSubject()
                .setSkipDefaultAudienceValidation()
                .build();
    }

    private static String[] algorithms(Key key) {
        if (key instanceof SecretKey) {
            return new String[] { AlgorithmIdentifiers.HMAC_SHA256 };
        }
        return key instanceof ECPublicKey
                ? new String[] { AlgorithmIdentifiers.ECDSA_USING_P256_CURVE_AND_SHA256 }
                : new String[] { AlgorithmIdentifiers.RSA_USING_SHA256 };
    }

    /** The token of {@code Bearer <token>}, or the bare token (the Replicache client sends its auth string as is). */
    static String bearer(String credentials) {
        if (credentials == null) {
            return "";
        }
        return BEARER.matcher(credentials.strip()).replaceFirst("");
    }

    /** The {@code spaces} claim as space (or prefix) to right; anything but an object of strings grants nothing. */
    private static Map<String, String> spaces(JwtClaims claims) {
        Map<String, String> rights = new HashMap<>();
        if (claims.getClaimValue("spaces") instanceof Map<?, ?> object) {
            for (Map.Entry<?, ?> grant : object.entrySet()) {
                if (grant.getKey() instanceof String space && grant.getValue() instanceof String right) {
                    rights.put(space, right);
                }
            }
        }
        return rights;
    }

    /** The configured secret or public key; a clear refusal to start when there is none or it does not fit. */
    static Key verificationKey(AuthConfig config) {
        if (config.secret().isPresent() == config.publicKey().isPresent()) {
            throw new ConfigurationException(config.secret().isPresent()
                    ? "replicache.auth: set REPLICACHE_AUTH_SECRET or REPLICACHE_AUTH_PUBLIC_KEY, not both"
                    : "replicache.auth: token mode needs REPLICACHE_AUTH_SECRET (HS256) or REPLICACHE_AUTH_PUBLIC_KEY "
                            + "(RS256/ES256); for a server anyone may use, set REPLICACHE_AUTH_MODE=open");
        }
        if (config.secret().isPresent()) {
            byte[] secret = config.secret().get().getBytes(StandardCharsets.UTF_8);
            if (secret.length < MIN_SECRET_BYTES) {
                throw new ConfigurationException("replicache.auth: REPLICACHE_AUTH_SECRET is " + secret.length
                        + " bytes; HS256 needs at least " + MIN_SECRET_BYTES + " (e.g. openssl rand -base64 48)");
            }
            return new SecretKeySpec(secret, "HmacSHA256");
        }
        String pem = config.publicKey().get().replaceAll("-----[A-Z ]+-----", "").replaceAll("\\s", "");
        byte[] der;
        try {
            der = Base64.getDecoder().decode(pem);
        } catch (IllegalArgumentException e) {
            throw new ConfigurationException("replicache.auth: REPLICACHE_AUTH_PUBLIC_KEY is not PEM or base64");
        }
        for (String algorithm : new String[] { "RSA", "EC" }) {
            try {
                return KeyFactory.getInstance(algorithm).generatePublic(new X509EncodedKeySpec(der));
            } catch (GeneralSecurityException e) {
                Log.debugf("The public key is not %s: %s", algorithm.toLowerCase(Locale.ROOT), e.getMessage());
            }
        }
        throw new ConfigurationException("replicache.auth: REPLICACHE_AUTH_PUBLIC_KEY is neither an RSA nor an EC public key");
    }
}
