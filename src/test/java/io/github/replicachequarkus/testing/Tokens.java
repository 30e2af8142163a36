package io.github.replicachequarkus.testing;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;

import org.jose4j.jws.AlgorithmIdentifiers;
import org.jose4j.jws.JsonWebSignature;
import org.jose4j.jwt.JwtClaims;
import org.jose4j.jwt.NumericDate;
import org.jose4j.keys.HmacKey;
import org.jose4j.lang.JoseException;

/**
 * Tokens as an application's backend mints them (docs/protocol.md, section Tokens): HS256 with the tests' secret and
 * only the claims the protocol names, {@code sub}, {@code exp} and {@code spaces} (no {@code iat}, {@code iss} or
 * {@code typ}).
 */
public final class Tokens {

    /** The HS256 secret of the token-mode tests: 48 bytes. */
    public static final String SECRET = "test-secret-of-replicache-quarkus-0123456789abc";

    private Tokens() {
    }

    /** A token of the user with these rights, valid for an hour. */
    public static String token(String user, Map<String, String> spaces) {
        return token(user, spaces, Instant.now().plus(Duration.ofHours(1)), SECRET);
    }

    public static String token(String user, Map<String, String> spaces, Instant expiresAt, String secret) {
        JwtClaims claims = new JwtClaims();
        claims.setSubject(user);
        claims.setExpirationTime(NumericDate.fromSeconds(expiresAt.getEpochSecond()));
        claims.setClaim("spaces", spaces);
        return signed(claims, secret);
    }

    /** A server credential (the app's backend), valid until {@code expiresAt}. */
    public static String serverToken(String backend, Instant expiresAt) {
        JwtClaims claims = new JwtClaims();
        claims.setSubject(backend);
        claims.setExpirationTime(NumericDate.fromSeconds(expiresAt.getEpochSecond()));
        claims.setClaim("server", true);
        return signed(claims, SECRET);
    }

    private static String signed(JwtClaims claims, String secret) {
        return sign(claims.toJson(), AlgorithmIdentifiers.HMAC_SHA256, new HmacKey(secret.getBytes(StandardCharsets.UTF_8)));
    }

    /** The payload signed as is: for tokens the server must refuse (wrong algorithm, missing claims). */
    public static String sign(String payload, String algorithm, java.security.Key key) {
        JsonWebSignature jws = new JsonWebSignature();
        jws.setPayload(payload);
        jws.setAlgorithmHeaderValue(algorithm);
        jws.setKey(key);
        jws.setDoKeyValidation(false);
        try {
            return jws.getCompactSerialization();
        } catch (JoseException e) {
            throw new IllegalStateException(e);
        }
    }

    public static String bearer(String token) {
        return "Bearer " + token;
    }
}
