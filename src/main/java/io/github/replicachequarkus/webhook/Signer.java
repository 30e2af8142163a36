package io.github.replicachequarkus.webhook;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.Base64;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Signs deliveries the Standard Webhooks way, so that receivers can check them with its libraries or a few lines of
 * their own: the HMAC-SHA256 of {@code <webhook-id>.<webhook-timestamp>.<body>} under the endpoint's key, sent as
 * {@code webhook-signature: v1,<base64>}. The timestamp is the attempt's, so a receiver can refuse old replays; the id
 * is the delivery's, the same at every attempt.
 */
final class Signer {

    /** How a Standard Webhooks secret begins; the base64 of the key follows. */
    static final String PREFIX = "whsec_";
    /** The shortest key accepted: the convention's lower bound (192 bits). */
    static final int MIN_KEY_BYTES = 24;
    private static final String ALGORITHM = "HmacSHA256";

    private final SecretKeySpec key;

    private Signer(byte[] key) {
        this.key = new SecretKeySpec(key, ALGORITHM);
    }

    /**
     * The signer of a secret in the form {@code whsec_<base64>}.
     *
     * @throws IllegalArgumentException when the secret is not in that form or its key is shorter than 24 bytes; the
     *         message says what is wrong without repeating the secret
     */
    static Signer of(String secret) {
        if (secret == null || !secret.startsWith(PREFIX)) {
            throw new IllegalArgumentException("it must be whsec_ followed by the base64 of the key (as Standard Webhooks"
                    + " libraries expect it); make one with: echo \"whsec_$(openssl rand -base64 32)\"");
        }
        byte[] key;
        try {
            key = Base64.getDecoder().decode(secret.substring(PREFIX.length()).strip());
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("what follows whsec_ is not base64: " + e.getMessage());
        }
        if (key.length < MIN_KEY_BYTES) {
            throw new IllegalArgumentException("its key is " + key.length + " bytes, at least " + MIN_KEY_BYTES
                    + " are needed; make one with: echo \"whsec_$(openssl rand -base64 32)\"");
        }
        return new Signer(key);
    }

    /** The {@code webhook-signature} header's value for this attempt: {@code v1,<base64 of the HMAC-SHA256>}. */
    String sign(String id, long timestamp, String body) {
        Mac mac;
        try {
            mac = Mac.getInstance(ALGORITHM); // not thread-safe, and cheap to get
            mac.init(key);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HMAC-SHA256 is not available", e);
        }
        byte[] signature = mac.doFinal((id + "." + timestamp + "." + body).getBytes(StandardCharsets.UTF_8));
        return "v1," + Base64.getEncoder().encodeToString(signature);
    }
}
