package io.github.replicachequarkus.room;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Executor;
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
 * ({@link Member.PresenceCursor}). Under it frames are built and queued ({@code sendText} returns at once); a socket's
 * own monitor may be taken under it, never the other way round.
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

    // Guarded by this object's monitor:
    /** The generation last flushed. */
    private long generation;
    /** Each client's last change, and its generation: what a socket that skipped some needs. */
    private final Map<String, Changed> lastChanges = new HashMap<>();
    private boolean flushScheduled;
    private long lastFlushAt = -1;

    private record Changed(long generation, Change change) {
    }

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
        send(member, presentFrame(table.present()));
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
        return List.copyOf(table.present());
    }

    /** Whether any of the entries is a socket's of this machine (which may be in its grace after its socket closed). */
    synchronized boolean holdsLocal() {
        return table.present().stream().anyMatch(entry -> entry.owner() instanceof Member);
    }

    /** The entries of this machine's sockets, each as in a {@code present} frame, for another machine's snapshot. */
    synchronized List<String> localEntries() {
        return table.present().stream().filter(entry -> entry.owner() instanceof Member)
                .map(entry -> change(new Change(entry.clientID(), entry.userID(), entry.state(), entry.owner()))).toList();
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

    /** A socket's presence frame was written: if it skipped generations meanwhile, what it missed goes out now. */
    private synchronized void written(Member member) {
        Member.PresenceCursor cursor = member.presence();
        cursor.writing = false;
        if (cursor.generation < generation) {
            scheduleFlush();
        }
    }

    private void scheduleFlush() {
        if (flushScheduled) {
            return;
        }
        flushScheduled = true;
        long now = System.nanoTime() / 1_000_000;
        long wait = lastFlushAt < 0 ? 0 : Math.max(0, lastFlushAt + intervalMillis - now);
        if (wait == 0) {
            executor.execute(this::flush);
        } else {
            timers.schedule(wait, () -> executor.execute(this::flush));
        }
    }

    /** Sends the changes since the last flush to every socket of the room that can take a frame now. */
    private void flush() {
        Collection<Member> sockets = members.get();
        synchronized (this) {
            flushScheduled = false;
            lastFlushAt = System.nanoTime() / 1_000_000;
            List<Change> changes = table.takeChanges();
            long previous = generation;
            if (!changes.isEmpty()) {
                generation++;
                changes.forEach(change -> lastChanges.put(change.clientID(), new Changed(generation, change)));
            }
            Generation frame = changes.isEmpty() ? null : new Generation(changes);
            if (frame != null && !frame.ours.isEmpty()) {
                relay.accept(frame.ours); // under the lock: the room's messages leave in the order of its flushes
            }
            long oldest = generation;
            for (Member member : sockets) {
                Member.PresenceCursor cursor = member.presence();
                if (cursor.clientID == null) {
                    continue; // not joined yet: its hello's reply brings everyone
                }
                if (!cursor.writing && cursor.generation < generation) {
                    String text = cursor.generation == previous && frame != null ? frame.without(cursor.clientID)
                            : catchUp(cursor);
                    cursor.generation = generation;
                    if (text != null) {
                        send(member, text);
                    }
                }
                oldest = Math.min(oldest, cursor.generation);
            }
            long keepFrom = oldest;
            lastChanges.values().removeIf(changed -> changed.generation() <= keepFrom); // every socket has had it
        }
    }

    /** What changed after the socket's generation, for a socket that skipped some; null when nothing did. */
    private String catchUp(Member.PresenceCursor cursor) {
        List<Change> missed = new ArrayList<>();
        lastChanges.forEach((clientID, changed) -> {
            if (changed.generation() > cursor.generation && !clientID.equals(cursor.clientID)) {
                missed.add(changed.change());
            }
        });
        return missed.isEmpty() ? null : new Generation(missed).without(null);
    }

    private void send(Member member, String text) {
        member.presence().writing = true;
        framesSent.accept(1);
        member.sendPresence(text, () -> written(member));
    }

    private String presentFrame(Collection<Entry> entries) {
        StringBuilder frame = new StringBuilder("{\"message\":\"presence\",\"present\":[");
        boolean first = true;
        for (Entry entry : entries) {
            frame.append(first ? "" : ",")
                    .append(change(new Change(entry.clientID(), entry.userID(), entry.state(), entry.owner())));
            first = false;
        }
        return frame.append("]}").toString();
    }

    private String change(Change change) {
        return "{\"clientID\":" + Frames.text(mapper, change.clientID()) + ",\"userID\":"
                + Frames.text(mapper, change.userID()) + ",\"state\":" + Frames.text(mapper, change.state()) + "}";
    }

    /** One generation's frame, built once; each socket's copy leaves its own client's change out. */
    private final class Generation {
        private final String text;
        /** Where each client's change starts and ends in the text (with the comma before it, unless it is first). */
        private final Map<String, int[]> spans = new HashMap<>();
        /** The changes of this machine's own clients, each as a JSON object: what the other machines are told. */
        final List<String> ours = new ArrayList<>();

        Generation(List<Change> changes) {
            StringBuilder frame = new StringBuilder("{\"message\":\"presence\",\"changes\":[");
            for (int i = 0; i < changes.size(); i++) {
                int start = frame.length();
                if (i > 0) {
                    frame.append(',');
                }
                String text = change(changes.get(i));
                frame.append(text);
                if (changes.get(i).owner() instanceof Member) {
                    ours.add(text);
                }
                spans.put(changes.get(i).clientID(), new int[] { start, frame.length() });
            }
            this.text = frame.append("]}").toString();
            if (changes.size() > 1) {
                // The first change has no comma before it: cut the comma after it instead.
                int[] first = spans.get(changes.get(0).clientID());
                first[1]++;
            }
        }

        /** The frame without the client's change; null when it held nothing else. */
        String without(String clientID) {
            int[] span = clientID == null ? null : spans.get(clientID);
            if (span == null) {
                return text;
            }
            if (spans.size() == 1) {
                return null;
            }
            return text.substring(0, span[0]) + text.substring(span[1]);
        }
    }
}
