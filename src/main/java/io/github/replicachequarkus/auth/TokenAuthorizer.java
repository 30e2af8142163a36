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
import java.util.Optional;
import java.util.regex.Pattern;

import javax.crypto.SecretKey;
import javax.crypto.spec.SecretKeySpec;

import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

import org.jose4j.jwa.AlgorithmConstraints;
import org.jose4j.jws.AlgorithmIdentifiers;
import org.jose4j.jwt.JwtClaims;
import org.jose4j.jwt.MalformedClaimException;
import org.jose4j.jwt.NumericDate;
import org.jose4j.jwt.consumer.ErrorCodeValidator;
import org.jose4j.jwt.consumer.ErrorCodes;
import org.jose4j.jwt.consumer.InvalidJwtException;
import org.jose4j.jwt.consumer.JwtConsumer;
import org.jose4j.jwt.consumer.JwtConsumerBuilder;
import org.jose4j.jwt.consumer.JwtContext;

import io.github.replicachequarkus.LogSafe;
import io.github.replicachequarkus.StartOrder;
import io.quarkus.arc.DefaultBean;
import io.quarkus.logging.Log;
import io.quarkus.runtime.StartupEvent;
import io.quarkus.runtime.configuration.ConfigurationException;

/**
 * The default {@link Authorizer}: in {@code open} mode everyone may do everything; in {@code token} mode the
 * credentials are a JWT (docs/protocol.md, section Tokens), verified with jose4j against the configured secret (HS256)
 * or public key (RS256, ES256): {@code sub} is the user, {@code exp} the expiry, {@code spaces} the rights.
 */
@DefaultBean
@ApplicationScoped
public class TokenAuthorizer implements Authorizer {

    /** HS256 needs a key at least as long as its hash (RFC 7518, 3.2). */
    private static final int MIN_SECRET_BYTES = 32;

    /**
     * The latest {@code exp} taken, 9999-12-31T23:59:59Z: a token meant never to expire can say so, while the nonsense
     * beyond it (1e17 seconds is past what {@link Instant} holds) never reaches date arithmetic.
     */
    static final long LATEST_EXPIRY = 253402300799L;

    private static final Pattern BEARER = Pattern.compile("^Bearer(\\s+|$)", Pattern.CASE_INSENSITIVE);

    private final AuthConfig config;
    private volatile JwtConsumer consumer;

    TokenAuthorizer(AuthConfig config) {
        this.config = config;
    }

    /** Refuses to start in token mode without a usable key; says loudly that open mode is open. */
    void check(@Observes @Priority(StartOrder.CHECKS) StartupEvent startup) {
        if (config.mode() == AuthConfig.Mode.OPEN) {
            Log.warn("Auth is OPEN (replicache.auth.mode=open): anyone may read and write every space. "
                    + "Set REPLICACHE_AUTH_MODE=token and REPLICACHE_AUTH_SECRET before exposing this server.");
            return;
        }
        Key key = verificationKey(config);
        consumer = consumer(key, config.issuer(), config.audience());
        Log.infof("Auth: token mode, %s tokens%s%s", String.join("/", algorithms(key)),
                config.issuer().map(issuer -> ", issuer " + issuer).orElse(""),
                config.audience().map(audience -> ", audience " + audience).orElse(""));
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
        try {
            JwtClaims claims = consumer.processToClaims(token);
            Instant expiresAt = Instant.ofEpochSecond(claims.getExpirationTime().getValue());
            if (Boolean.TRUE.equals(claims.getClaimValue("server"))) {
                return Caller.server(claims.getSubject(), expiresAt);
            }
            return Caller.of(claims.getSubject(), expiresAt, new SpaceRights(spaces(claims))::accessTo);
        } catch (InvalidJwtException e) {
            Log.debugf("Token refused: %s", LogSafe.of(e.getMessage()));
            throw new NotAuthenticatedException(e.hasExpired() ? "the token has expired" : "the token is not valid");
        } catch (MalformedClaimException | RuntimeException e) {
            // Whatever else a token's content makes the parsing throw is the token's fault, not the server's: 401.
            Log.debugf("Token refused: %s: %s", e.getClass().getSimpleName(), LogSafe.of(e.getMessage()));
            throw new NotAuthenticatedException("the token is not valid");
        }
    }

    /**
     * Checks what docs/protocol.md (section Tokens) lists: the signature (only the algorithms of the configured key, so
     * an HS256 token signed with a public key as its secret is refused), {@code exp} and {@code sub}; and {@code iss}
     * and {@code aud} when an issuer and an audience are configured (else they may be present and are not checked).
     * {@code exp} is checked without a tolerance, as {@link SpaceAccess} checks every caller's expiry (whatever the
     * authorizer) and closes sockets then. A blank {@code sub} names nobody and an {@code exp} past
     * {@link #LATEST_EXPIRY} is no real date: both are refused like a bad signature.
     */
    static JwtConsumer consumer(Key key, Optional<String> issuer, Optional<String> audience) {
        JwtConsumerBuilder builder = new JwtConsumerBuilder()
                .setVerificationKey(key)
                .setJwsAlgorithmConstraints(AlgorithmConstraints.ConstraintType.PERMIT, algorithms(key))
                .setRequireExpirationTime()
                .setRequireSubject()
                .registerValidator((ErrorCodeValidator) TokenAuthorizer::saneClaims);
        issuer.ifPresent(builder::setExpectedIssuer);
        if (audience.isPresent()) {
            builder.setExpectedAudience(audience.get());
        } else {
            builder.setSkipDefaultAudienceValidation();
        }
        return builder.build();
    }

    /** The consumer of a deployment that configures no issuer and no audience. */
    static JwtConsumer consumer(Key key) {
        return consumer(key, Optional.empty(), Optional.empty());
    }

    private static ErrorCodeValidator.Error saneClaims(JwtContext context) throws MalformedClaimException {
        JwtClaims claims = context.getJwtClaims();
        NumericDate expiry = claims.getExpirationTime();
        if (expiry != null && expiry.getValue() > LATEST_EXPIRY) {
            return new ErrorCodeValidator.Error(ErrorCodes.EXPIRATION_TOO_FAR_IN_FUTURE,
                    "exp is after 9999-12-31T23:59:59Z");
        }
        String subject = claims.getSubject();
        if (subject != null && subject.isBlank()) {
            return new ErrorCodeValidator.Error(ErrorCodes.SUBJECT_INVALID, "sub is empty or blank");
        }
        return null;
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
