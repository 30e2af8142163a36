package io.github.replicachequarkus.routing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Instant;
import java.util.Optional;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ReplayStateTest {

    private static final Instant NOW = Instant.parse("2026-11-25T10:00:00Z");
    private final ReplayState states = new ReplayState("a secret of sixteen+ chars");

    @Test
    void aSignedStateVerifiesForItsSpaceUntilItExpires() {
        String state = states.sign("room-1", "e2860", NOW.plusSeconds(30));

        assertEquals(Optional.of("e2860"), states.verify(state, "room-1", NOW));
        assertEquals(Optional.of("e2860"), states.verify(state, "room-1", NOW.plusSeconds(30)));
        assertTrue(states.verify(state, "room-1", NOW.plusSeconds(31)).isEmpty(), "expired");
        assertTrue(states.verify(state, "room-2", NOW).isEmpty(), "another space");
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', textBlock = """
            room-1.e2860.1900000000.forged
            room-1.m-evil.1900000000
            nonsense
            ''
            """)
    void forgedStatesDoNotVerify(String state) {
        assertTrue(states.verify(state, "room-1", NOW).isEmpty());
    }

    @Test
    void aStateSignedWithAnotherSecretDoesNotVerify() {
        String state = new ReplayState("another secret, 16+ chars").sign("room-1", "e2860", NOW.plusSeconds(30));
        assertTrue(states.verify(state, "room-1", NOW).isEmpty());
        String tampered = states.sign("room-1", "e2860", NOW.plusSeconds(30)).replace("e2860", "m-evil");
        assertTrue(states.verify(tampered, "room-1", NOW).isEmpty());
    }

    @Test
    void theStateIsReadFromFlysReplaySourceHeader() {
        assertEquals(Optional.of("s.m.1.sig"),
                ReplayState.fromReplaySource("instance=e2860;region=ams;t=1700000000000;state=s.m.1.sig"));
        assertTrue(ReplayState.fromReplaySource("instance=e2860;region=ams").isEmpty());
        assertTrue(ReplayState.fromReplaySource(null).isEmpty());
    }

    @Test
    void aShortSecretIsRefused() {
        assertThrows(IllegalArgumentException.class, () -> new ReplayState("short"));
    }
}
