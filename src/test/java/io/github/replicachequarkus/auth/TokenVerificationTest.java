package io.github.replicachequarkus.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.spec.ECGenParameterSpec;
import java.time.Instant;

import org.jose4j.jws.AlgorithmIdentifiers;
import org.jose4j.jwt.consumer.InvalidJwtException;
import org.jose4j.jwt.consumer.JwtConsumer;
import org.jose4j.keys.HmacKey;
import org.junit.jupiter.api.Test;

import io.github.replicachequarkus.testing.Tokens;

/** Which signed tokens the verifier takes: the configured key's algorithm and the claims PROTOCOL.md 7 requires. */
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
