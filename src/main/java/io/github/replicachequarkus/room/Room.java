package io.github.replicachequarkus.room;

import java.time.Duration;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BiConsumer;
import java.util.function.BiFunction;
import java.util.function.Supplier;

import io.github.replicachequarkus.LogSafe;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Timer;
import io.quarkus.logging.Log;
import io.quarkus.websockets.next.CloseReason;
import io.smallrye.mutiny.Uni;

/**
 * The sockets of one space on this machine. After each change a broadcast pass reads what changed once, from the
 * oldest cookie among the sockets that are due, and offers it to each of them. Passes run one at a time per room; the
 * read runs off the event loop, and each event loop then offers the changes to its own sockets, writing their pokes
 * where no hand-off to another thread is needed ({@link SocketWire}). Changes that arrive during a pass coalesce into
 * the next one.
 */
final class Room {

    /** How long a pass waits for the event loops to offer a change to their sockets before it logs and goes on. */
    private static final long OFFER_TIMEOUT_SECONDS = 10;
    /** How long closing a room's sockets waits for their close frames to go out. */
    private static final long CLOSE_WAIT_SECONDS = 5;
    /**
     * At most about this many pokes of a pass have their latency timed, spread evenly over its sockets: enough for the
     * timer's percentiles, where timing each of thousands would cost the fan-out more than some of its writes.
     */
    static final int TIMED_PER_PASS = 64;

    private static final BitSet NONE_TIMED = new BitSet();

    private final String spaceID;
    private final ChangeReader reader;
    private final Executor executor;
    private final Set<Member> members = ConcurrentHashMap.newKeySet();
    private final AtomicLong latest = new AtomicLong();
    private final Timer pokeLatency;
    private final Counter pokesWritten;
    /** When this machine heard of the newest change: where poke latency is measured from. */
    private volatile long heardAt = System.nanoTime();
    private final AtomicBoolean pending = new AtomicBoolean();
    private final AtomicBoolean running = new AtomicBoolean();
    private volatile boolean resync;

    private final RoomPresence presence;

    /**
     * @param pokeLatency times pokes from this machine hearing of their change to their being written (about
     *        {@value #TIMED_PER_PASS} of each pass's pokes)
     * @param pokesWritten counts every poke written
     * @param presence makes the room's presence, given its space and its sockets
     */
    Room(String spaceID, ChangeReader reader, Executor executor, Timer pokeLatency, Counter pokesWritten,
            BiFunction<String, Supplier<Collection<Member>>, RoomPresence> presence) {
        this.presence = presence.apply(spaceID, () -> members);
        this.spaceID = spaceID;
        this.reader = reader;
        this.executor = executor;
        this.pokeLatency = pokeLatency;
        this.pokesWritten = pokesWritten;
    }

    String spaceID() {
        return spaceID;
    }

    /** Who is here, and what each shows the others. */
    RoomPresence presence() {
        return presence;
    }

    /**
     * Sends a client's broadcast (its frame's text) to every other socket of the room that said hello ({@code from}
     * null: a client on another machine); returns to how many it went (a socket that reads too slowly misses it).
     */
    int broadcast(Member from, String text) {
        SocketWire.Frame frame = new SocketWire.Frame(text);
        int sent = 0;
        for (Member member : members) {
            if (member != from && member.clientID() != null && member.sendBroadcast(frame)) {
                sent++;
            }
        }
        return sent;
    }

    void add(Member member) {
        members.add(member);
    }

    void remove(Member member) {
        members.remove(member);
    }

    boolean isEmpty() {
        return members.isEmpty();
    }

    int size() {
        return members.size();
    }

    /**
     * Closes every socket, all at once, waiting (up to {@value #CLOSE_WAIT_SECONDS} s in all) for their close frames to
     * go out; returns how many went out.
     */
    int closeAll(CloseReason reason) {
        AtomicInteger closed = new AtomicInteger();
        List<Uni<Void>> closing = new ArrayList<>();
        for (Member member : members) {
            if (member.startClosing()) {
                closing.add(member.connection().close(reason).invoke(closed::incrementAndGet).onFailure()
                        .invoke(e -> Log.debugf("Closing a socket of space %s failed: %s", spaceID, LogSafe.of(e.getMessage())))
                        .onFailure().recoverWithNull());
            }
        }
        if (!closing.isEmpty()) {
            try {
                Uni.join().all(closing).andFailFast().await().atMost(Duration.ofSeconds(CLOSE_WAIT_SECONDS));
            } catch (RuntimeException e) {
                Log.debugf("Not every socket of space %s closed within %d s: %s", spaceID, CLOSE_WAIT_SECONDS,
                        LogSafe.of(e.getMessage()));
            }
        }
        return closed.get();
    }

    /** Each client group with a socket here that has been sent a state, with the lowest cookie among its sockets. */
    void connectedGroups(BiConsumer<String, Long> group) {
        Map<String, Long> lowest = new HashMap<>();
        for (Member member : members) {
            String clientGroupID = member.clientGroupID();
            long version = member.version();
            if (clientGroupID != null && version >= 0) {
                lowest.merge(clientGroupID, version, Math::min);
            }
        }
        lowest.forEach(group);
    }

    /** The space is at this version now (or later). */
    void changed(long version) {
        heardAt = System.nanoTime();
        latest.accumulateAndGet(version, Math::max);
        requestPass();
    }

    /** Changes may have been missed: check every socket against the database. */
    void resync() {
        resync = true;
        requestPass();
    }

    /** The newest version this room knows of: a socket whose poke was written and that is behind it is due again. */
    long latest() {
        return latest.get();
    }

    /**
     * A socket finished writing a poke; {@code behind}: it has not been offered the newest change the room knows of,
     * which can go to it now. A socket that is up to date needs no pass: with thousands of sockets, a pass (a look at
     * each) after each one's write would cost more than the writes. {@code timed}: the poke is one of its pass's sample
     * whose latency is timed.
     */
    void memberReady(boolean behind, boolean timed) {
        pokesWritten.increment();
        if (timed) {
            pokeLatency.record(System.nanoTime() - heardAt, TimeUnit.NANOSECONDS);
        }
        if (behind) {
            requestPass();
        }
    }

    /** Runs a pass soon: a socket that was waiting may be due. */
    void requestPass() {
        pending.set(true);
        if (running.compareAndSet(false, true)) {
            executor.execute(this::drain);
        }
    }

    private void drain() {
        try {
            while (pending.getAndSet(false)) {
                pass();
            }
        } catch (RuntimeException e) {
            Log.errorf(LogSafe.failure(e), "Poking the sockets of space %s failed; the next change retries", spaceID);
        } finally {
            running.set(false);
            if (pending.get() && running.compareAndSet(false, true)) {
                executor.execute(this::drain);
            }
        }
    }

    private void pass() {
        boolean everyone = resync;
        resync = false;
        long known = latest.get();
        long target = everyone ? Long.MAX_VALUE : known;
        List<Member> due = new ArrayList<>();
        long from = Long.MAX_VALUE;
        for (Member member : members) {
            long version = member.dueFrom(target);
            if (version >= 0) {
                due.add(member);
                from = Math.min(from, version);
            }
        }
        if (due.isEmpty()) {
            return;
        }
        ChangeSet changes = reader.changesSince(spaceID, from);
        if (changes.spaceDeleted()) {
            Log.debugf("Space %s was deleted: closing its %d socket(s) here", spaceID, members.size());
            members.forEach(member -> member.close(CloseCodes.SPACE_DELETED));
            return;
        }
        latest.accumulateAndGet(changes.version(), Math::max);
        offer(changes, due);
        if (changes.version() > known) {
            // The read found changes the room had not heard of: a socket skipped while its poke was being written may
            // have finished before they were known here, and was not due then. The next pass looks at it again.
            pending.set(true);
        }
    }

    /**
     * Offers the changes to the sockets due, each on its own event loop: one task per loop, which builds each poke (or
     * takes it from another socket with the same base) and writes it there and then. Returns when every loop is done,
     * so that passes still run one at a time. Every {@code due.size() / }{@value #TIMED_PER_PASS}th socket's poke is
     * timed.
     */
    private void offer(ChangeSet changes, List<Member> due) {
        Map<String, SocketWire.Frame> pokes = new ConcurrentHashMap<>();
        Map<Executor, List<Member>> byLoop = new HashMap<>();
        Map<Executor, BitSet> timedByLoop = new HashMap<>();
        int timedEvery = Math.max(1, due.size() / TIMED_PER_PASS);
        for (int i = 0; i < due.size(); i++) {
            Member member = due.get(i);
            List<Member> members = byLoop.computeIfAbsent(member.loop(), loop -> new ArrayList<>());
            if (i % timedEvery == 0) {
                timedByLoop.computeIfAbsent(member.loop(), loop -> new BitSet()).set(members.size());
            }
            members.add(member);
        }
        CountDownLatch offered = new CountDownLatch(byLoop.size());
        byLoop.forEach((loop, members) -> loop.execute(() -> {
            BitSet timed = timedByLoop.getOrDefault(loop, NONE_TIMED);
            try {
                for (int i = 0; i < members.size(); i++) {
                    members.get(i).offer(changes, pokes, timed.get(i));
                }
            } catch (RuntimeException e) {
                Log.errorf(LogSafe.failure(e), "Poking the sockets of space %s failed; the next change retries", spaceID);
            } finally {
                offered.countDown();
            }
        }));
        try {
            if (!offered.await(OFFER_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                Log.warnf("The event loops of space %s took over %d s to poke its sockets", spaceID, OFFER_TIMEOUT_SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
