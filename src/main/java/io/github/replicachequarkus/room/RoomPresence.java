package io.github.replicachequarkus.room;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import java.util.function.LongConsumer;
import java.util.function.Supplier;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.github.replicachequarkus.room.Presence.Change;
import io.github.replicachequarkus.room.Presence.Entry;

/**
 * The presence of one room: its clients on this machine and, through the relay, on the others; and how its changes
 * reach this machine's sockets: at most one {@code changes} frame per socket per interval, holding only the latest
 * state of each client that changed since the socket's last one, never its own client's. The changes of this machine's
 * own clients go to the other machines once per interval too, as one relay message.
 * <p>
 * Changes collect in the table until a flush, at most one per interval: each flush is a generation, numbered. A socket
 * that was sent the generation before gets this one's frame (built once, its own client cut out of it); a socket whose
 * previous presence frame is still being written skips generations, and once it is written gets one frame with what
 * changed since the last it was sent. A slow socket thus holds at most one presence frame, and pokes, which go their own
 * way ({@link Member#offer}), wait for none.
 * <p>
 * <b>Locking.</b> One lock, this object's monitor: it guards the table, the generations and each socket's place
 * ({@link Member.PresenceCursor}). Under it frames are built and chosen, and each socket that is sent one is marked
 * {@code writing}; they are written after it, from the sockets' event loops. A socket's own monitor may be taken under
 * it, never the other way round. A written frame is handled without it (on the event loop, which must not wait for a
 * flush): the socket's {@code writing} is cleared, and a flush scheduled if it missed a generation meanwhile. Both
 * sides write their volatile first and read the other's after, so one of them sees it.
 * <p>
 * Each change is written as JSON once, when its generation is made; the frames of sockets that skipped generations are
 * built once per flush for each generation they start from.
 */
final class RoomPresence {

    /** Schedules a flush after the given delay in milliseconds. */
    @FunctionalInterface
    interface Timers {
        void schedule(long delayMillis, Runnable task);
    }

    private final Presence table = new Presence();
    private final Supplier<Collection<Member>> members;
    private final ObjectMapper mapper;
    private final Timers timers;
    private final Executor executor;
    private final long intervalMillis;
    private final LongConsumer framesSent;
    private final Consumer<List<String>> relay;

    /** The generation last flushed: written under this object's monitor. */
    private volatile long generation;
    /** Each client's last change, and its generation: what a socket that skipped some needs. Under the monitor. */
    private final Map<String, Changed> lastChanges = new HashMap<>();
    private final AtomicBoolean flushScheduled = new AtomicBoolean();
    private volatile long lastFlushAt = -1;

    /** A change, the generation that holds it, and its JSON as the frames carry it. */
    private record Changed(long generation, Change change, String text) {
    }

    /** A client's entry as a present frame lists it, while the client shows this state. */
    private record Listed(String userID, JsonNode state, String text) {
    }

    /** Everyone present, as the frame every socket that joins is sent, built at {@link #presentVersion}. */
    private SocketWire.Frame present;
    private long presentVersion = -1;
    /** Each present client's entry in {@link #present}, kept for the next frame while its state stays. */
    private Map<String, Listed> listed = new HashMap<>();

    /**
     * @param members the room's sockets on this machine
     * @param framesSent counts the presence frames sent
     * @param relay takes the changes of this machine's clients (each as in a {@code changes} frame) for the others
     */
    RoomPresence(Supplier<Collection<Member>> members, ObjectMapper mapper, Timers timers, Executor executor,
            long intervalMillis, LongConsumer framesSent, Consumer<List<String>> relay) {
        this.relay = relay;
        this.members = members;
        this.mapper = mapper;
        this.timers = timers;
        this.executor = executor;
        this.intervalMillis = intervalMillis;
        this.framesSent = framesSent;
    }

    /**
     * The socket joined (its hello was answered): it takes over its client's entry if the client reconnected, and is
     * sent everyone present, its own entry included.
     */
    synchronized void joined(Member member, String clientID, String userID) {
        Member.PresenceCursor cursor = member.presence();
        if (cursor.clientID != null && !cursor.clientID.equals(clientID) && table.leave(cursor.clientID, member)) {
            scheduleFlush(); // a new hello on the socket, for another client
        }
        if (table.adopt(clientID, userID, member)) {
            scheduleFlush(); // it was another machine's: the others learn that it is this one's now
        }
        cursor.generation = generation;
        cursor.clientID = clientID;
        send(member, presentFrame());
    }

    /**
     * The socket's client shows this state ({@code null}: clears it). Nothing changes when the client id is held by
     * another user's entry: clients of one id are one user's.
     */
    synchronized void set(Member member, String clientID, String userID, JsonNode state) {
        if (table.set(clientID, userID, state, member)) {
            scheduleFlush();
        }
    }

    /** The socket left: its client's entry goes, unless a newer socket of the client took it over. */
    synchronized void left(Member member, String clientID) {
        if (clientID != null && table.leave(clientID, member)) {
            scheduleFlush();
        }
    }

    /** Everyone present, for a dashboard or the app's backend. */
    synchronized List<Entry> present() {
        return table.present();
    }

    /** Whether any of the entries is a socket's of this machine (which may be in its grace after its socket closed). */
    synchronized boolean holdsLocal() {
        return table.present().stream().anyMatch(entry -> entry.owner() instanceof Member);
    }

    /** The entries of this machine's sockets, each as in a {@code present} frame, for another machine's snapshot. */
    synchronized List<String> localEntries() {
        return table.present().stream().filter(entry -> entry.owner() instanceof Member)
                .map(entry -> change(entry.asChange())).toList();
    }

    /**
     * Another machine's changes of its clients: each client's entry is set (owned by {@code machine}), or gone
     * ({@code state} null) when {@code machine} still owns it.
     */
    synchronized void relayed(String machine, Collection<Change> changes) {
        boolean changed = false;
        for (Change change : changes) {
            changed |= change.state() == null ? table.leave(change.clientID(), machine)
                    : table.set(change.clientID(), change.userID(), change.state(), machine);
        }
        if (changed) {
            scheduleFlush();
        }
    }

    /** All {@code machine} holds in this room is {@code entries} now: what it held before and does not any more goes. */
    synchronized void replace(String machine, Collection<Change> entries) {
        Set<String> kept = new HashSet<>();
        entries.forEach(entry -> kept.add(entry.clientID()));
        boolean changed = false;
        for (Entry entry : table.present()) {
            if (machine.equals(entry.owner()) && !kept.contains(entry.clientID())) {
                changed |= table.leave(entry.clientID(), machine);
            }
        }
        for (Change entry : entries) {
            changed |= table.set(entry.clientID(), entry.userID(), entry.state(), machine);
        }
        if (changed) {
            scheduleFlush();
        }
    }

    /** A socket's presence frame was written: if it skipped generations meanwhile, what it missed goes out soon. */
    private void written(Member member) {
        Member.PresenceCursor cursor = member.presence();
        cursor.writing = false;
        if (cursor.generation < generation) {
            scheduleFlush();
        }
    }

    /** Schedules a flush unless one is: at once, or when an interval has passed since the last. */
    private void scheduleFlush() {
        if (!flushScheduled.compareAndSet(false, true)) {
            return;
        }
        long now = System.nanoTime() / 1_000_000;
        long wait = lastFlushAt < 0 ? 0 : Math.max(0, lastFlushAt + intervalMillis - now);
        if (wait == 0) {
            executor.execute(this::flush);
        } else {
            timers.schedule(wait, () -> executor.execute(this::flush));
        }
    }

    /**
     * Sends the changes since the last flush to every socket of the room that can take a frame now. The frames are
     * chosen under the lock, and written after it from each socket's event loop, one task per loop: there a frame's
     * bytes go straight to the channel, and a flush wakes each loop once, not once per socket.
     */
    private void flush() {
        Collection<Member> sockets = members.get();
        Map<Executor, List<Due>> byLoop = new HashMap<>();
        synchronized (this) {
            flushScheduled.set(false);
            lastFlushAt = System.nanoTime() / 1_000_000;
            List<Change> changes = table.takeChanges();
            long previous = generation;
            Generation frame = null;
            if (!changes.isEmpty()) {
                long next = previous + 1;
                List<Changed> made = new ArrayList<>(changes.size());
                for (Change change : changes) {
                    Changed changed = new Changed(next, change, change(change));
                    made.add(changed);
                    lastChanges.put(change.clientID(), changed);
                }
                frame = new Generation(made);
                generation = next;
                if (!frame.ours.isEmpty()) {
                    relay.accept(frame.ours); // under the lock: the room's messages leave in the order of its flushes
                }
            }
            long current = generation;
            Map<Long, Generation> catchUps = new HashMap<>();
            long oldest = current;
            for (Member member : sockets) {
                Member.PresenceCursor cursor = member.presence();
                if (cursor.clientID == null) {
                    continue; // not joined yet: its hello's reply brings everyone
                }
                long from = cursor.generation;
                if (!cursor.writing && from < current) {
                    Generation due = from == previous && frame != null ? frame
                            : catchUps.computeIfAbsent(from, this::since);
                    cursor.generation = current;
                    SocketWire.Frame text = due.without(cursor.clientID);
                    if (text != null) {
                        cursor.writing = true;
                        byLoop.computeIfAbsent(member.loop(), loop -> new ArrayList<>()).add(new Due(member, text));
                    }
                }
                oldest = Math.min(oldest, cursor.generation);
            }
            long keepFrom = oldest;
            lastChanges.values().removeIf(changed -> changed.generation() <= keepFrom); // every socket has had it
        }
        byLoop.forEach((loop, due) -> loop.execute(() -> due.forEach(this::write)));
    }

    /** A frame a flush chose for a socket. */
    private record Due(Member member, SocketWire.Frame frame) {
    }

    private void write(Due due) {
        framesSent.accept(1);
        due.member().sendPresence(due.frame(), () -> written(due.member()));
    }

    /** What changed after the generation, for the sockets that skipped some since. */
    private Generation since(long from) {
        List<Changed> missed = new ArrayList<>();
        lastChanges.values().forEach(changed -> {
            if (changed.generation() > from) {
                missed.add(changed);
            }
        });
        return new Generation(missed);
    }

    /** Sends a socket a frame from its event loop, as a flush does. */
    private void send(Member member, SocketWire.Frame frame) {
        member.presence().writing = true;
        Due due = new Due(member, frame);
        member.loop().execute(() -> write(due));
    }

    /**
     * Everyone present, as a joining socket is sent it: built once for every join until who is present or what one
     * shows changes, and encoded once for all of them. A room of thousands that reconnect at once, whose clients come
     * back to the entries they held (which changes nothing), is sent one frame; and a frame built again writes out only
     * the entries whose state changed since the last.
     */
    synchronized SocketWire.Frame presentFrame() {
        if (present != null && presentVersion == table.version()) {
            return present;
        }
        Map<String, Listed> next = HashMap.newHashMap(listed.size() + 16);
        StringBuilder frame = new StringBuilder(present == null ? 256 : present.length() + 1024)
                .append("{\"message\":\"presence\",\"present\":[");
        boolean first = true;
        for (Entry entry : table.present()) {
            Listed known = listed.get(entry.clientID());
            if (known == null || !known.userID().equals(entry.userID()) || !known.state().equals(entry.state())) {
                known = new Listed(entry.userID(), entry.state(), change(entry.asChange()));
            }
            next.put(entry.clientID(), known);
            frame.append(first ? "" : ",").append(known.text());
            first = false;
        }
        listed = next;
        present = new SocketWire.Frame(frame.append("]}").toString());
        presentVersion = table.version();
        return present;
    }

    private String change(Change change) {
        return "{\"clientID\":" + Frames.text(mapper, change.clientID()) + ",\"userID\":"
                + Frames.text(mapper, change.userID()) + ",\"state\":" + Frames.text(mapper, change.state()) + "}";
    }

    /**
     * One generation's frame, built once and encoded once for every socket whose client's change it does not hold; each
     * other socket's copy leaves its own client's change out.
     */
    private static final class Generation {
        private final String text;
        /** The whole frame, once a socket was sent it (under the room's presence lock). */
        private SocketWire.Frame whole;
        /** Where each client's change starts and ends in the text (with the comma before it, unless it is first). */
        private final Map<String, int[]> spans = new HashMap<>();
        /** The changes of this machine's own clients, each as a JSON object: what the other machines are told. */
        final List<String> ours = new ArrayList<>();

        Generation(List<Changed> changes) {
            StringBuilder frame = new StringBuilder("{\"message\":\"presence\",\"changes\":[");
            for (int i = 0; i < changes.size(); i++) {
                Changed changed = changes.get(i);
                int start = frame.length();
                if (i > 0) {
                    frame.append(',');
                }
                frame.append(changed.text());
                spans.put(changed.change().clientID(), new int[] { start, frame.length() });
                if (changed.change().owner() instanceof Member) {
                    ours.add(changed.text());
                }
            }
            this.text = frame.append("]}").toString();
            if (changes.size() > 1) {
                // The first change has no comma before it: cut the comma after it instead.
                int[] first = spans.get(changes.get(0).change().clientID());
                first[1]++;
            }
        }

        /** The frame without the client's change; null when it held nothing else. */
        SocketWire.Frame without(String clientID) {
            int[] span = spans.get(clientID);
            if (span == null) {
                if (spans.isEmpty()) {
                    return null;
                }
                if (whole == null) {
                    whole = new SocketWire.Frame(text);
                }
                return whole;
            }
            if (spans.size() == 1) {
                return null;
            }
            return new SocketWire.Frame(text.substring(0, span[0]) + text.substring(span[1]));
        }
    }
}
