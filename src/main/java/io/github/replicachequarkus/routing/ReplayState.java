package io.github.replicachequarkus.routing;

import java.nio.charset.StandardCharsets;
import java.security.InvalidKeyException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.Base64;
import java.util.Optional;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The {@code state} a machine puts in {@code fly-replay} and the owner finds again in {@code fly-replay-src}: which
 * space, which machine it was sent to, until when, signed with HMAC-SHA256 and a secret the deployment shares. The
 * owner trusts the verdict of a state it can verify (it does not look the placement up again) and refuses any other.
 * Format: {@code <spaceID>.<machine>.<expiry epoch seconds>.<signature>}, URL-safe base64 for the signature.
 */
public final class ReplayState {

    private static final String ALGORITHM = "HmacSHA256";

    /** An HMAC-SHA256 key at least as long as its hash (RFC 2104, 3): 32 bytes, random. */
    public static final int MIN_SECRET_BYTES = 32;

    private final SecretKeySpec key;

    /** @throws IllegalArgumentException when the secret is shorter than {@link #MIN_SECRET_BYTES} bytes (UTF-8) */
    public ReplayState(String secret) {
        int bytes = secret == null ? 0 : secret.getBytes(StandardCharsets.UTF_8).length;
        if (bytes < MIN_SECRET_BYTES) {
            throw new IllegalArgumentException("the replay secret is " + bytes + " bytes; it must be at least "
                    + MIN_SECRET_BYTES + " random bytes (e.g. openssl rand -hex 32)");
        }
        this.key = new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), ALGORITHM);
    }

    public String sign(String spaceID, String machine, Instant expiry) {
        String payload = spaceID + "." + machine + "." + expiry.getEpochSecond();
        return payload + "." + signature(payload);
    }

    /** The machine the state sends this space to, when the state is genuine, for this space, and not expired. */
    public Optional<String> verify(String state, String spaceID, Instant now) {
        if (state == null) {
            return Optional.empty();
        }
        int last = state.lastIndexOf('.');
        if (last < 0) {
            return Optional.empty();
        }
        String payload = state.substring(0, last);
        byte[] expected = signature(payload).getBytes(StandardCharsets.US_ASCII);
        if (!MessageDigest.isEqual(expected, state.substring(last + 1).getBytes(StandardCharsets.US_ASCII))) {
            return Optional.empty();
        }
        String[] parts = payload.split("\\.");
        if (parts.length != 3 || !parts[0].equals(spaceID)) {
            return Optional.empty();
        }
        try {
            return Long.parseLong(parts[2]) >= now.getEpochSecond() ? Optional.of(parts[1]) : Optional.empty();
        } catch (NumberFormatException e) {
            return Optional.empty();
        }
    }

    private String signature(String payload) {
        try {
            Mac mac = Mac.getInstance(ALGORITHM);
            mac.init(key);
            return Base64.getUrlEncoder().withoutPadding()
                    .encodeToString(mac.doFinal(payload.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException | InvalidKeyException e) {
            throw new IllegalStateException("HMAC-SHA256 is not available", e);
        }
    }

    /** The {@code state} field of a {@code fly-replay-src} header ({@code instance=..;region=..;t=..;state=..}). */
    public static Optional<String> fromReplaySource(String header) {
        if (header == null) {
            return Optional.empty();
        }
        for (String field : header.split(";")) {
            String[] pair = field.strip().split("=", 2);
            if (pair.length == 2 && pair[0].equals("state")) {
                return Optional.of(pair[1]);
            }
        }
        return Optional.empty();
    }
}
