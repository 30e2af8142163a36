package io.github.replicachequarkus.routing;

import java.nio.charset.StandardCharsets;
import java.util.Collection;
import java.util.Optional;

/**
 * Rendezvous (highest random weight) hashing: each space goes to the machine with the highest score for the pair.
 * Spaces spread evenly; when a machine joins it takes only its share (about 1/n of the spaces) from the others; when
 * one leaves, only its own spaces move.
 */
public final class Rendezvous {

    private Rendezvous() {
    }

    public static Optional<String> choose(String spaceID, Collection<String> machines) {
        String best = null;
        long bestScore = 0;
        for (String machine : machines) {
            long score = score(spaceID, machine);
            if (best == null || Long.compareUnsigned(score, bestScore) > 0
                    || (score == bestScore && machine.compareTo(best) < 0)) {
                best = machine;
                bestScore = score;
            }
        }
        return Optional.ofNullable(best);
    }

    /** FNV-1a over the pair, then a 64-bit finaliser (splitmix64) so that similar ids score independently. */
    static long score(String spaceID, String machine) {
        long hash = 0xcbf29ce484222325L;
        for (byte b : (spaceID + '\u0000' + machine).getBytes(StandardCharsets.UTF_8)) {
            hash ^= b & 0xff;
            hash *= 0x100000001b3L;
        }
        hash ^= hash >>> 30;
        hash *= 0xbf58476d1ce4e5b9L;
        hash ^= hash >>> 27;
        hash *= 0x94d049bb133111ebL;
        return hash ^ (hash >>> 31);
    }
}
