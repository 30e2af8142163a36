package io.github.replicachequarkus.webhook;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.Base64;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

import org.junit.jupiter.api.Test;

/** Signatures as Standard Webhooks defines them, and the secrets accepted. */
class SignerTest {

    /** The key is the 32 bytes 0x00..0x1f. */
    static final String SECRET = "whsec_AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";
    static final String BODY = "{\"type\":\"space.changed\",\"spaceID\":\"s1\",\"fromVersion\":0,\"toVersion\":1,\"keys\":[\"a\"]}";

    @Test
    void aKnownVectorComputedWithOpenssl() {
        // printf '%s' 'msg_2f1c.1700000000.<BODY>' | openssl dgst -sha256 -mac HMAC -macopt hexkey:000102...1f -binary | base64
        assertEquals("v1,2kJtbGZzi43VPPN0UoUD66SyI8jODQweo2Bjob8Of+Y=",
                Signer.of(SECRET).sign("msg_2f1c", 1700000000L, BODY));
    }

    @Test
    void aReceiverVerifiesWithTheDecodedSecretAsTheKey() throws Exception {
        String id = "5b0c61f4-8ad0-4f6b-a0a5-0d7a3e61c8a1";
        long timestamp = 1712345678L;
        String body = "{\"keys\":[\"ü\",\"\\u0000\"]}"; // UTF-8 beyond ASCII is signed as its bytes
        String header = Signer.of(SECRET).sign(id, timestamp, body);

        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(Base64.getDecoder().decode(SECRET.substring("whsec_".length())), "HmacSHA256"));
        byte[] expected = mac.doFinal((id + "." + timestamp + "." + body).getBytes(StandardCharsets.UTF_8));
        assertEquals("v1," + Base64.getEncoder().encodeToString(expected), header);
    }

    @Test
    void theIdTheTimestampAndTheBodyAreAllSigned() {
        Signer signer = Signer.of(SECRET);
        String signature = signer.sign("id", 1, "{}");
        assertNotEquals(signature, signer.sign("id2", 1, "{}"));
        assertNotEquals(signature, signer.sign("id", 2, "{}"));
        assertNotEquals(signature, signer.sign("id", 1, "{ }"));
        assertNotEquals(signature, Signer.of("whsec_" + Base64.getEncoder().encodeToString(new byte[32])).sign("id", 1,
                "{}"));
    }

    @Test
    void onlyWhsecSecretsOfAtLeast24BytesAreAccepted() {
        String raw = assertThrows(IllegalArgumentException.class,
                () -> Signer.of("a raw secret that is long enough to be a key")).getMessage();
        assertTrue(raw.contains("whsec_"), raw);
        assertThrows(IllegalArgumentException.class, () -> Signer.of(null));
        String notBase64 = assertThrows(IllegalArgumentException.class, () -> Signer.of("whsec_not*base64!")).getMessage();
        assertTrue(notBase64.contains("base64"), notBase64);
        String tooShort = assertThrows(IllegalArgumentException.class,
                () -> Signer.of("whsec_" + Base64.getEncoder().encodeToString(new byte[23]))).getMessage();
        assertTrue(tooShort.contains("23 bytes"), tooShort);
        Signer.of("whsec_" + Base64.getEncoder().encodeToString(new byte[24]));
        // Without its padding, as some tools print it
        Signer.of(SECRET.substring(0, SECRET.length() - 1));
    }

    @Test
    void theMessageNeverRepeatsTheSecret() {
        String secret = "whsec_" + Base64.getEncoder().encodeToString("short".getBytes(StandardCharsets.UTF_8));
        String message = assertThrows(IllegalArgumentException.class, () -> Signer.of(secret)).getMessage();
        assertTrue(!message.contains(secret.substring(6)), message);
    }
}
