package io.github.replicachequarkus.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.security.KeyPairGenerator;
import java.security.PublicKey;
import java.util.Base64;
import java.util.Optional;

import javax.crypto.SecretKey;

import org.junit.jupiter.api.Test;

import io.quarkus.runtime.configuration.ConfigurationException;

/** Token mode refuses to start without a key it can use, and says what to set. */
class VerificationKeyTest {

    private static AuthConfig config(String secret, String publicKey) {
        return new AuthConfig() {
            public Mode mode() {
                return Mode.TOKEN;
            }

            public Optional<String> secret() {
                return Optional.ofNullable(secret);
            }

            public Optional<String> publicKey() {
                return Optional.ofNullable(publicKey);
            }

            public Optional<String> issuer() {
                return Optional.empty();
            }

            public Optional<String> audience() {
                return Optional.empty();
            }
        };
    }

    @Test
    void noKeyIsRefusedWithWhatToSet() {
        String message = assertThrows(ConfigurationException.class, () -> TokenAuthorizer.verificationKey(config(null, null)))
                .getMessage();
        assertTrue(message.contains("REPLICACHE_AUTH_SECRET") && message.contains("REPLICACHE_AUTH_MODE=open"), message);
    }

    @Test
    void aShortSecretIsRefused() {
        String message = assertThrows(ConfigurationException.class,
                () -> TokenAuthorizer.verificationKey(config("too short", null))).getMessage();
        assertTrue(message.contains("9 bytes") && message.contains("at least 32"), message);
    }

    @Test
    void bothKeysAreRefused() {
        assertThrows(ConfigurationException.class,
                () -> TokenAuthorizer.verificationKey(config("x".repeat(32), "AAAA")));
    }

    @Test
    void aLongEnoughSecretIsAnHmacKey() {
        assertTrue(TokenAuthorizer.verificationKey(config("s".repeat(32), null)) instanceof SecretKey);
    }

    @Test
    void rsaAndEcPublicKeysAreReadFromPemOrBareBase64() throws Exception {
        for (String algorithm : new String[] { "RSA", "EC" }) {
            PublicKey key = KeyPairGenerator.getInstance(algorithm).generateKeyPair().getPublic();
            String base64 = Base64.getEncoder().encodeToString(key.getEncoded());
            String pem = "-----BEGIN PUBLIC KEY-----\n" + base64.replaceAll("(.{64})", "$1\n") + "\n-----END PUBLIC KEY-----\n";
            assertEquals(key, TokenAuthorizer.verificationKey(config(null, pem)));
            assertEquals(key, TokenAuthorizer.verificationKey(config(null, base64)));
        }
    }

    @Test
    void somethingThatIsNoKeyIsRefused() {
        assertThrows(ConfigurationException.class, () -> TokenAuthorizer.verificationKey(config(null, "not base64!")));
        assertThrows(ConfigurationException.class, () -> TokenAuthorizer.verificationKey(config(null, "AAAA")));
    }
}
