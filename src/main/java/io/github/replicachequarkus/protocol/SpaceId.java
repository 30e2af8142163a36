package io.github.replicachequarkus.protocol;

import java.security.SecureRandom;
import java.util.regex.Pattern;

/** Space ids: 1 to 64 characters of {@code [A-Za-z0-9_-]}, safe in URLs, logs and keys. */
public final class SpaceId {

    private static final Pattern VALID = Pattern.compile("[A-Za-z0-9_-]{1,64}");
    private static final char[] ALPHABET = "abcdefghijklmnopqrstuvwxyz234567".toCharArray();

    private SpaceId() {
    }

    /**
     * The random source, in a class of its own that the native image initialises at run time (see
     * META-INF/native-image/.../native-image.properties), so that it is created at the first {@link #random()}: Quarkus
     * initialises the other classes while the image is built, and native-image refuses a random source made then, whose
     * seed every binary would share.
     */
    static final class Randomness {
        static final SecureRandom SOURCE = new SecureRandom();

        private Randomness() {
        }
    }

    public static boolean isValid(String spaceID) {
        return spaceID != null && VALID.matcher(spaceID).matches();
    }

    /** @throws InvalidRequestException when the id is missing or malformed */
    public static String require(String spaceID) {
        if (spaceID == null || spaceID.isEmpty()) {
            throw new InvalidRequestException("InvalidSpaceID", "spaceID is required");
        }
        if (!isValid(spaceID)) {
            throw new InvalidRequestException("InvalidSpaceID", "spaceID must be 1 to 64 characters of A-Z, a-z, 0-9, _ and -");
        }
        return spaceID;
    }

    /** A fresh random id: 20 base-32 characters (100 bits). */
    public static String random() {
        char[] id = new char[20];
        for (int i = 0; i < id.length; i++) {
            id[i] = ALPHABET[Randomness.SOURCE.nextInt(ALPHABET.length)];
        }
        return new String(id);
    }
}
