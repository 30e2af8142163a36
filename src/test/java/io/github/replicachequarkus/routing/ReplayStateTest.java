package io.github.replicachequarkus.routing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Instant;
import java.util.Optional;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import io.quarkus.runtime.configuration.ConfigurationException;

class ReplayStateTest {

    private static final Instant NOW = Instant.parse("2026-11-25T10:00:00Z");
    private final ReplayState states = new ReplayState("a secret of at least thirty-two bytes");

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
        String state = new ReplayState("another secret of thirty-two+ bytes").sign("room-1", "e2860", NOW.plusSeconds(30));
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

    /** HMAC-SHA256 wants a key as long as its hash: 32 bytes, counted in UTF-8 (not characters). */
    @Test
    void aSecretShorterThan32BytesIsRefused() {
        for (String secret : new String[] { "short", "sixteen chars!!!", "x".repeat(31), "é".repeat(15) + "x" }) {
            String message = assertThrows(IllegalArgumentException.class, () -> new ReplayState(secret), secret).getMessage();
            assertTrue(message.contains("at least 32") && message.contains("openssl rand -hex 32"), message);
        }
        new ReplayState("x".repeat(32));
        new ReplayState("é".repeat(16)); // 16 characters, 32 bytes
    }

    @Test
    void routingRefusesToStartWithoutALongEnoughSecretAndSaysWhatToSet() {
        String missing = assertThrows(ConfigurationException.class, () -> RoomRouting.replayState(Optional.empty()))
                .getMessage();
        assertTrue(missing.contains("REPLICACHE_ROUTING_REPLAY_SECRET") && missing.contains("openssl rand -hex 32"), missing);
        String shorter = assertThrows(ConfigurationException.class,
                () -> RoomRouting.replayState(Optional.of("a secret of 25 bytes....."))).getMessage();
        assertTrue(shorter.contains("REPLICACHE_ROUTING_REPLAY_SECRET) is 25 bytes") && shorter.contains("at least 32"),
                shorter);
        assertTrue(!shorter.contains("a secret of"), "never the secret itself: " + shorter);
        String secret = "0123456789abcdef0123456789abcdef";
        assertEquals(Optional.of("m1"), RoomRouting.replayState(Optional.of(secret))
                .verify(new ReplayState(secret).sign("room-1", "m1", NOW.plusSeconds(30)), "room-1", NOW));
    }
}
