package io.github.replicachequarkus.store;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.sql.SQLException;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class FaultsTest {

    @ParameterizedTest(name = "SQLSTATE {0}")
    @CsvSource(textBlock = """
            40001, true,  false
            40P01, true,  false
            23505, true,  false
            08006, false, true
            08001, false, true
            57P01, false, true
            53300, false, true
            57014, false, true
            55P03, false, true
            42P01, false, false
            22P02, false, false
            """)
    void tellsRacesFromOutagesFromBugs(String sqlState, boolean race, boolean unavailable) {
        RuntimeException wrapped = new RuntimeException("outer", new IllegalStateException(new SQLException("x", sqlState)));
        // A failed COMMIT comes as the transaction manager's rollback exception, the driver's only among its suppressed.
        Exception rollback = new Exception("could not commit the transaction");
        rollback.addSuppressed(new Exception("the resource's commit failed", new SQLException("x", sqlState)));
        RuntimeException atCommit = new RuntimeException("outer", rollback);
        for (RuntimeException failure : List.of(wrapped, atCommit)) {
            assertEquals(race, Faults.isRace(failure));
            assertEquals(unavailable, Faults.isUnavailable(failure));
            assertEquals(true, Faults.isDatabaseFault(failure));
        }
    }

    @Test
    @Timeout(value = 5, threadMode = Timeout.ThreadMode.SEPARATE_THREAD) // fails, rather than hangs, on an endless walk
    void aCycleOfCausesEnds() {
        Exception first = new Exception("first");
        Exception second = new Exception("second", first);
        first.initCause(second);
        first.addSuppressed(second);
        assertEquals(false, Faults.isUnavailable(new RuntimeException(first)));
        assertEquals(false, Faults.isDatabaseFault(new RuntimeException(first)));
    }

    @ParameterizedTest
    @ValueSource(strings = { "Sorry, acquisition timeout!" })
    void anEmptyPoolIsAnOutage(String message) {
        assertEquals(true, Faults.isUnavailable(new RuntimeException(new SQLException(message))));
        assertEquals(false, Faults.isDatabaseFault(new IllegalArgumentException(message)));
    }
}
