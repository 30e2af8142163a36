package io.github.replicachequarkus.sync;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class RateLimitTest {

    /** Each case: rate per second, burst, messages sent at once, then how many pass after waiting some time. */
    @ParameterizedTest(name = "{0}/s burst {1}: {2} at once -> {3}; after {4} ms -> {5}")
    @CsvSource(textBlock = """
            10,  5,   5,  5,    0, 0
            10,  5,  20,  5,  100, 1
            10,  5,  20,  5, 1000, 5
            50, 100, 150, 100, 200, 10
            """)
    void letsABurstThroughThenTheRate(int rate, int burst, int sent, int passed, long waitMillis, int passedAfter) {
        long now = 0;
        RateLimit limit = new RateLimit(rate, burst, now);
        int through = 0;
        for (int i = 0; i < sent; i++) {
            through += limit.tryAcquire(now) ? 1 : 0;
        }
        assertEquals(passed, through);

        now += waitMillis * 1_000_000;
        int later = 0;
        for (int i = 0; i < 1000; i++) {
            later += limit.tryAcquire(now) ? 1 : 0;
        }
        assertEquals(passedAfter, later);
    }
}
