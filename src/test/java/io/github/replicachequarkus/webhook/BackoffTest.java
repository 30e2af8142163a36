package io.github.replicachequarkus.webhook;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.HashSet;
import java.util.Random;
import java.util.Set;

import org.junit.jupiter.api.Test;

/** The retry schedule: doubling from the minimum up to the maximum, each wait between half its ceiling and all of it. */
class BackoffTest {

    private final Backoff backoff = new Backoff(Duration.ofSeconds(5), Duration.ofHours(1));

    @Test
    void theCeilingDoublesUpToTheMaximum() {
        assertEquals(Duration.ofSeconds(5), backoff.ceiling(1));
        assertEquals(Duration.ofSeconds(10), backoff.ceiling(2));
        assertEquals(Duration.ofSeconds(20), backoff.ceiling(3));
        assertEquals(Duration.ofSeconds(2560), backoff.ceiling(10));
        assertEquals(Duration.ofHours(1), backoff.ceiling(11));
        assertEquals(Duration.ofHours(1), backoff.ceiling(1000));
        assertEquals(Duration.ofHours(1), backoff.ceiling(Integer.MAX_VALUE));
    }

    @Test
    void eachWaitIsBetweenHalfItsCeilingAndAllOfIt() {
        Random random = new Random(42);
        for (int failures = 1; failures <= 40; failures++) {
            Duration ceiling = backoff.ceiling(failures);
            assertEquals(ceiling.dividedBy(2), backoff.delay(failures, () -> 0.0), "the least wait");
            Duration most = backoff.delay(failures, () -> Math.nextDown(1.0));
            assertTrue(most.compareTo(ceiling) <= 0 && most.compareTo(ceiling.minusMillis(1)) > 0, most + " vs " + ceiling);
            for (int i = 0; i < 100; i++) {
                Duration wait = backoff.delay(failures, random::nextDouble);
                assertTrue(wait.compareTo(ceiling.dividedBy(2)) >= 0 && wait.compareTo(ceiling) <= 0,
                        wait + " outside [" + ceiling.dividedBy(2) + ", " + ceiling + "]");
            }
        }
    }

    @Test
    void deliveriesThatFailedTogetherComeBackSpreadOut() {
        Random random = new Random(7);
        Set<Long> seconds = new HashSet<>();
        for (int i = 0; i < 100; i++) {
            seconds.add(backoff.delay(8, random::nextDouble).toSeconds()); // ceiling 640 s
        }
        assertTrue(seconds.size() > 50, "100 retries fall on " + seconds.size() + " distinct seconds");
    }

    @Test
    void aMaximumBelowTheMinimumIsTheMinimumAndZeroIsAtOnce() {
        Backoff inverted = new Backoff(Duration.ofSeconds(10), Duration.ofSeconds(1));
        assertEquals(Duration.ofSeconds(10), inverted.ceiling(5));
        Backoff none = new Backoff(Duration.ZERO, Duration.ZERO);
        assertEquals(Duration.ZERO, none.delay(3, () -> 0.9));
    }
}
