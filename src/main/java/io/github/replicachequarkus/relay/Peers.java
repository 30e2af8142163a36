package io.github.replicachequarkus.relay;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The other machines this one hears from on the rooms channel: when each was last heard, and the sequence number of
 * its last message. A machine silent for longer than the heartbeat expiry is taken for dead.
 * <p>
 * Written by the relay's listener thread only; {@link #isEmpty} may be read from any thread.
 */
final class Peers {

    /** What a message says about its sender. */
    enum Heard {
        /** A machine not heard from before (or since it was taken for dead). */
        NEW,
        /** A known machine, but messages of it were missed. */
        GAP,
        /** A known machine, and nothing of it was missed. */
        IN_ORDER
    }

    private static final class Peer {
        long heardAt;
        /** The last sequence number heard; -1 when it is not known (after this machine's listener reconnected). */
        long sequence;
    }

    private final Map<String, Peer> peers = new ConcurrentHashMap<>();

    /** The machine's message numbered {@code sequence} was heard at {@code now} (nanoseconds). */
    Heard heard(String machine, long sequence, long now) {
        Peer peer = peers.get(machine);
        if (peer == null) {
            peer = new Peer();
            peer.heardAt = now;
            peer.sequence = sequence;
            peers.put(machine, peer);
            return Heard.NEW;
        }
        peer.heardAt = now;
        boolean missed = peer.sequence >= 0 && sequence != peer.sequence + 1;
        peer.sequence = sequence;
        return missed ? Heard.GAP : Heard.IN_ORDER;
    }

    /** The machines silent for longer than {@code expiryNanos}: they are forgotten, and returned. */
    List<String> expire(long now, long expiryNanos) {
        List<String> gone = new ArrayList<>();
        peers.forEach((machine, peer) -> {
            if (now - peer.heardAt > expiryNanos) {
                gone.add(machine);
            }
        });
        gone.forEach(peers::remove);
        return gone;
    }

    /** The machine said goodbye. Returns whether it was known. */
    boolean forget(String machine) {
        return peers.remove(machine) != null;
    }

    /** This machine's listener reconnected: what it missed meanwhile cannot be told from sequence numbers. */
    void sequencesUnknown() {
        peers.values().forEach(peer -> peer.sequence = -1);
    }

    /** Whether no other machine is known: then nobody needs this machine's room messages but a newcomer's snapshot. */
    boolean isEmpty() {
        return peers.isEmpty();
    }
}
