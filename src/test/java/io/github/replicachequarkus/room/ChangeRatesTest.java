package io.github.replicachequarkus.room;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** The versions a space advanced by over the last minute, in steps of ten seconds. */
class ChangeRatesTest {

    private static final long T0 = 1_000_000_000_000L;

    @Test
    void versionsCountByHowFarTheSpaceMoved() {
        ChangeRates rates = new ChangeRates();
        rates.advanced("s", 10, T0); // the first heard: one
        rates.advanced("s", 11, T0 + 1_000);
        rates.advanced("s", 15, T0 + 2_000); // a relayed change standing for four commits
        rates.advanced("s", 14, T0 + 3_000); // an older one, late: nothing
        assertEquals(6, rates.perMinute("s", T0 + 5_000));
        assertEquals(0, rates.perMinute("other", T0 + 5_000));
    }

    @Test
    void changesOlderThanAMinuteDropOutInStepsOfTenSeconds() {
        ChangeRates rates = new ChangeRates();
        long start = T0 - T0 % ChangeRates.SLOT_MILLIS;
        rates.advanced("s", 1, start);
        rates.advanced("s", 2, start + 20_000);
        assertEquals(2, rates.perMinute("s", start + 59_999));
        assertEquals(1, rates.perMinute("s", start + 60_000), "the first slot has passed");
        assertEquals(0, rates.perMinute("s", start + 80_000));
        rates.advanced("s", 5, start + 120_000);
        assertEquals(3, rates.perMinute("s", start + 120_000), "a slot used again starts from nothing");
    }

    @Test
    void quietAndGoneSpacesAreForgotten() {
        ChangeRates rates = new ChangeRates();
        rates.advanced("quiet", 1, T0);
        rates.advanced("busy", 1, T0 + 70_000);
        rates.advanced("gone", 1, T0 + 70_000);
        rates.forget(T0 + 70_000, space -> !space.equals("gone"));
        assertEquals(1, rates.size());
        assertEquals(1, rates.perMinute("busy", T0 + 70_000));
    }
}
