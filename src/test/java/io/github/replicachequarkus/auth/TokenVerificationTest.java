package io.github.replicachequarkus.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.spec.ECGenParameterSpec;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

import org.jose4j.jws.AlgorithmIdentifiers;
import org.jose4j.jwt.consumer.InvalidJwtException;
import org.jose4j.jwt.consumer.JwtConsumer;
import org.jose4j.keys.HmacKey;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import io.github.replicachequarkus.testing.Tokens;

/**
 * Which signed tokens the verifier takes: the configured key's algorithm and the claims docs/protocol.md requires
 * (section Tokens).
 */
class TokenVerificationTest {

    private static final long IN_AN_HOUR = Instant.now().getEpochSecond() + 3600;
    private static final String CLAIMS = "{\"sub\":\"u1\",\"exp\":" + IN_AN_HOUR + ",\"spaces\":{\"s\":\"rw\"}}";

    private final HmacKey secret = new HmacKey(Tokens.SECRET.getBytes(StandardCharsets.UTF_8));
    private final JwtConsumer hs256 = TokenAuthorizer.consumer(secret);

    @Test
    void aTokenWithOnlySubExpAndSpacesIsAccepted() throws Exception {
        assertEquals("u1", hs256.processToClaims(Tokens.sign(CLAIMS, AlgorithmIdentifiers.HMAC_SHA256, secret)).getSubject());
    }

    @Test
    void aTokenWithoutSubOrExpIsRefused() {
        String noSub = "{\"exp\":" + IN_AN_HOUR + ",\"spaces\":{\"s\":\"rw\"}}";
        String noExp = "{\"sub\":\"u1\",\"spaces\":{\"s\":\"rw\"}}";
        for (String claims : new String[] { noSub, noExp }) {
            assertThrows(InvalidJwtException.class,
                    () -> hs256.processToClaims(Tokens.sign(claims, AlgorithmIdentifiers.HMAC_SHA256, secret)), claims);
        }
    }

    /** Past 9999-12-31 an {@code exp} is no date anyone means, and 1e17 seconds is beyond what {@code Instant} holds. */
    @ParameterizedTest
    @ValueSource(strings = { "1e17", "100000000000000000", "9223372036854775807", "1e300", "253402300800" })
    void anExpBeyondAnySaneDateIsRefused(String exp) {
        String claims = "{\"sub\":\"u1\",\"exp\":" + exp + ",\"spaces\":{\"s\":\"rw\"}}";
        assertThrows(InvalidJwtException.class,
                () -> hs256.processToClaims(Tokens.sign(claims, AlgorithmIdentifiers.HMAC_SHA256, secret)), claims);
    }

    @Test
    void theLatestSaneExpIsAccepted() throws Exception {
        String claims = "{\"sub\":\"u1\",\"exp\":253402300799}";
        assertEquals(253402300799L, hs256.processToClaims(Tokens.sign(claims, AlgorithmIdentifiers.HMAC_SHA256, secret))
                .getExpirationTime().getValue());
    }

    @ParameterizedTest
    @ValueSource(strings = { "", " ", "\\t\\n" })
    void anEmptyOrBlankSubIsRefused(String sub) {
        String claims = "{\"sub\":\"" + sub + "\",\"exp\":" + IN_AN_HOUR + ",\"spaces\":{\"s\":\"rw\"}}";
        assertThrows(InvalidJwtException.class,
                () -> hs256.processToClaims(Tokens.sign(claims, AlgorithmIdentifiers.HMAC_SHA256, secret)), claims);
    }

    @Test
    void withAnIssuerAndAudienceConfiguredTokensMustNameThem() throws Exception {
        JwtConsumer strict = TokenAuthorizer.consumer(secret, Optional.of("https://login.example"), Optional.of("todo"));
        String base = "\"sub\":\"u1\",\"exp\":" + IN_AN_HOUR;
        for (String good : List.of("{" + base + ",\"iss\":\"https://login.example\",\"aud\":\"todo\"}",
                "{" + base + ",\"iss\":\"https://login.example\",\"aud\":[\"billing\",\"todo\"]}")) {
            assertEquals("u1", strict.processToClaims(Tokens.sign(good, AlgorithmIdentifiers.HMAC_SHA256, secret)).getSubject(),
                    good);
        }
        for (String bad : List.of("{" + base + "}",
                "{" + base + ",\"aud\":\"todo\"}",
                "{" + base + ",\"iss\":\"https://login.example\"}",
                "{" + base + ",\"iss\":\"https://evil.example\",\"aud\":\"todo\"}",
                "{" + base + ",\"iss\":\"https://login.example\",\"aud\":\"billing\"}")) {
            assertThrows(InvalidJwtException.class,
                    () -> strict.processToClaims(Tokens.sign(bad, AlgorithmIdentifiers.HMAC_SHA256, secret)), bad);
        }
    }

    @Test
    void withoutAnIssuerOrAudienceConfiguredTheyAreNotChecked() throws Exception {
        String claims = "{\"sub\":\"u1\",\"exp\":" + IN_AN_HOUR + ",\"iss\":\"anyone\",\"aud\":\"anything\"}";
        assertEquals("u1", hs256.processToClaims(Tokens.sign(claims, AlgorithmIdentifiers.HMAC_SHA256, secret)).getSubject());
    }

    @Test
    void anUnsignedTokenIsRefused() {
        String header = base64Url("{\"alg\":\"none\"}");
        String unsigned = header + "." + base64Url(CLAIMS) + ".";
        assertThrows(InvalidJwtException.class, () -> hs256.processToClaims(unsigned));
    }

    @Test
    void rs256AndEs256TokensVerifyWithTheirPublicKeys() throws Exception {
        KeyPair rsa = KeyPairGenerator.getInstance("RSA").generateKeyPair();
        KeyPairGenerator ec = KeyPairGenerator.getInstance("EC");
        ec.initialize(new ECGenParameterSpec("secp256r1"));
        KeyPair p256 = ec.generateKeyPair();
        assertEquals("u1", TokenAuthorizer.consumer(rsa.getPublic())
                .processToClaims(Tokens.sign(CLAIMS, AlgorithmIdentifiers.RSA_USING_SHA256, rsa.getPrivate())).getSubject());
        assertEquals("u1", TokenAuthorizer.consumer(p256.getPublic())
                .processToClaims(Tokens.sign(CLAIMS, AlgorithmIdentifiers.ECDSA_USING_P256_CURVE_AND_SHA256, p256.getPrivate()))
                .getSubject());
    }

    @Test
    void anHs256TokenKeyedWithThePublicKeyIsRefused() throws Exception {
        KeyPair rsa = KeyPairGenerator.getInstance("RSA").generateKeyPair();
        String confused = Tokens.sign(CLAIMS, AlgorithmIdentifiers.HMAC_SHA256, new HmacKey(rsa.getPublic().getEncoded()));
        assertThrows(InvalidJwtException.class, () -> TokenAuthorizer.consumer(rsa.getPublic()).processToClaims(confused));
    }

    private static String base64Url(String json) {
        return java.util.Base64.getUrlEncoder().withoutPadding().encodeToString(json.getBytes(StandardCharsets.UTF_8));
    }
}
