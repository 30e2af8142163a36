package io.github.replicachequarkus.sync;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.sql.SQLException;

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
            42P01, false, false
            22P02, false, false
            """)
    void tellsRacesFromOutagesFromBugs(String sqlState, boolean race, boolean unavailable) {
        RuntimeException wrapped = new RuntimeException("outer", new IllegalStateException(new SQLException("x", sqlState)));
        assertEquals(race, Faults.isRace(wrapped));
        assertEquals(unavailable, Faults.isUnavailable(wrapped));
        assertEquals(true, Faults.isDatabaseFault(wrapped));
    }

    @ParameterizedTest
    @ValueSource(strings = { "Sorry, acquisition timeout!" })
    void anEmptyPoolIsAnOutage(String message) {
        assertEquals(true, Faults.isUnavailable(new RuntimeException(new SQLException(message))));
        assertEquals(false, Faults.isDatabaseFault(new IllegalArgumentException(message)));
    }
}
