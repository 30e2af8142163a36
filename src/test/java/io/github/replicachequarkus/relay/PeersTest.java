package io.github.replicachequarkus.relay;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import org.junit.jupiter.api.Test;

import io.github.replicachequarkus.relay.Peers.Heard;

class PeersTest {

    private static final long SECOND = 1_000_000_000L;

    private final Peers peers = new Peers();

    @Test
    void aMachineIsNewThenInOrderUntilOneOfItsMessagesIsMissed() {
        assertTrue(peers.isEmpty());
        assertEquals(Heard.NEW, peers.heard("b", 5, 0));
        assertFalse(peers.isEmpty());
        assertEquals(Heard.IN_ORDER, peers.heard("b", 6, 1));
        assertEquals(Heard.GAP, peers.heard("b", 8, 2));
        assertEquals(Heard.IN_ORDER, peers.heard("b", 9, 3));
    }

    @Test
    void afterAReconnectTheNextMessageIsInOrderWhateverItsNumber() {
        peers.heard("b", 5, 0);
        peers.sequencesUnknown();
        assertEquals(Heard.IN_ORDER, peers.heard("b", 50, 1));
        assertEquals(Heard.GAP, peers.heard("b", 52, 2));
    }

    @Test
    void aSilentMachineExpiresOnceAndIsNewWhenHeardAgain() {
        peers.heard("b", 1, 0);
        peers.heard("c", 1, 0);
        peers.heard("c", 2, 9 * SECOND);

        assertEquals(List.of(), peers.expire(10 * SECOND, 10 * SECOND), "exactly the expiry is not past it");
        assertEquals(List.of("b"), peers.expire(10 * SECOND + 1, 10 * SECOND));
        assertEquals(List.of(), peers.expire(10 * SECOND + 2, 10 * SECOND), "forgotten: it expires once");
        assertEquals(Heard.NEW, peers.heard("b", 2, 11 * SECOND));
    }

    @Test
    void aMachineThatSaidGoodbyeIsForgotten() {
        peers.heard("b", 1, 0);
        assertTrue(peers.forget("b"));
        assertFalse(peers.forget("b"));
        assertTrue(peers.isEmpty());
    }
}
