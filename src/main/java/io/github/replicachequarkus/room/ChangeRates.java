package io.github.replicachequarkus.room;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Predicate;

/**
 * How many versions each space advanced over the last minute, counted in six slots of ten seconds: a rate that moves
 * in steps of ten seconds, and costs one small array per space, not one object per change. The versions a change
 * moved a space by count, so a change relayed from another machine that stands for several commits counts them all;
 * the first change heard of a space counts one (what came before it is not known).
 */
final class ChangeRates {

    static final long SLOT_MILLIS = 10_000;
    static final int SLOTS = 6;

    /** One space's slots: the ten-second step each holds and the versions counted in it. Guarded by itself. */
    private static final class Rate {
        private final long[] step = new long[SLOTS];
        private final long[] versions = new long[SLOTS];
        private long lastVersion = -1;

        synchronized void advanced(long version, long now) {
            long delta = lastVersion < 0 ? 1 : Math.max(0, version - lastVersion);
            lastVersion = Math.max(lastVersion, version);
            long current = now / SLOT_MILLIS;
            int slot = (int) (current % SLOTS);
            if (step[slot] != current) {
                step[slot] = current;
                versions[slot] = 0;
            }
            versions[slot] += delta;
        }

        synchronized long perMinute(long now) {
            long current = now / SLOT_MILLIS;
            long sum = 0;
            for (int slot = 0; slot < SLOTS; slot++) {
                if (current - step[slot] < SLOTS) {
                    sum += versions[slot];
                }
            }
            return sum;
        }
    }

    private final Map<String, Rate> rates = new ConcurrentHashMap<>();

    /** The space is at {@code version} now (or later), as heard at {@code now} (epoch milliseconds). */
    void advanced(String spaceID, long version, long now) {
        rates.computeIfAbsent(spaceID, id -> new Rate()).advanced(version, now);
    }

    /** The versions the space advanced by in the minute before {@code now}. */
    long perMinute(String spaceID, long now) {
        Rate rate = rates.get(spaceID);
        return rate == null ? 0 : rate.perMinute(now);
    }

    /** Forgets the spaces that did not advance in the last minute, or that are not {@code kept}. */
    void forget(long now, Predicate<String> kept) {
        rates.entrySet().removeIf(entry -> !kept.test(entry.getKey()) || entry.getValue().perMinute(now) == 0);
    }

    int size() {
        return rates.size();
    }
}
