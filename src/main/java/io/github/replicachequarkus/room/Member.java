package io.github.replicachequarkus.room;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.NullNode;

import io.github.replicachequarkus.LogSafe;
import io.github.replicachequarkus.auth.Caller;
import io.github.replicachequarkus.protocol.Cookie;
import io.github.replicachequarkus.protocol.PullResponse;
import io.github.replicachequarkus.sync.PatchSpool;
import io.github.replicachequarkus.sync.PullService;
import io.github.replicachequarkus.sync.RateLimit;
import io.github.replicachequarkus.sync.StalledReaderException;
import io.quarkus.logging.Log;
import io.quarkus.websockets.next.CloseReason;
import io.quarkus.websockets.next.WebSocketConnection;
import io.vertx.core.Vertx;

/**
 * One socket of a room: who it is (its hello's caller and ids, the room it joined), the frames it is sent, and its
 * {@link SocketCursor}, which decides what it is due (what it was last sent, and what a change holds for it). This class
 * only keeps the socket's identity and sends what the cursor decided.
 * <p>
 * <b>Locking.</b> One lock, this object's monitor. It guards the cursor and what the socket's hello set: its room and
 * user, its client and group ids, its caller and the timer of the caller's expiry. Under it run only reads and changes
 * of those, building a frame's text, arming or cancelling the expiry timer, and queuing a frame on the socket's
 * {@link SocketWire} (which returns at once): frames are queued in the order the cursor decided them, so that no poke
 * overtakes a reply or another poke. (A reply's parts are handed from a worker thread to the connection's event loop,
 * pokes are written there: both in the order they were queued.) Never under it: waiting for a frame to be written, the
 * database, calling the room
 * ({@link Room#requestPass}, {@link Room#memberReady}), closing the socket. A reply's parts are written outside it, each
 * waited for in turn: the cursor lets no poke out until the reply ends. Outside the lock are only final fields (the
 * rate limit has its own lock) and two single values, each read and written whole: {@code heardAt} (volatile) and
 * {@code closing} (atomic).
 */
final class Member {

    /** Bytes of a reply's patch per frame: what a reply holds in direct memory while its client reads. */
    static final int PART_BYTES = 256 * 1024;
    /**
     * Characters of broadcasts (about bytes: JSON is mostly ASCII) a socket may have waiting to be written; more are not sent
     * to it (it reads too slowly).
     */
    static final long MAX_QUEUED_BROADCASTS = 1 << 20;
    /** What {@link #poke} answers when the changes hold nothing for a socket. */
    private static final SocketWire.Frame NO_POKE = new SocketWire.Frame("");

    /**
     * Where the socket stands in its room's presence: written under the room's presence lock ({@link RoomPresence});
     * {@code generation} and {@code writing} are also read, and {@code writing} cleared, without it, when a frame has
     * been written.
     */
    static final class PresenceCursor {
        /** Its hello's client id; null until the room's presence has taken it in. */
        String clientID;
        /** The last generation of changes it was sent (or that its {@code present} frame held). */
        volatile long generation;
        /** A presence frame of its is being written: the next waits, and holds all that changed meanwhile. */
        volatile boolean writing;
    }

    private final WebSocketConnection connection;
    /** How frames reach the socket, and on which event loop. */
    private final SocketWire wire;
    private final String spaceID;
    /** Where the socket comes from, as the machine sees it (or as a trusted proxy says). */
    private final String address;
    private final ObjectMapper mapper;
    /** Its messages' rate (it has a lock of its own). */
    private final RateLimit rateLimit;
    /** How long a reply's part may take to be written before the socket is given up. */
    private final Duration writeTimeout;
    private final long openedAt = System.nanoTime();
    /** When the client last showed it is there: a frame or a pong, in nanoseconds. */
    private volatile long heardAt = openedAt;
    /** Set once, when the server starts closing the socket: later frames are dropped. */
    private final AtomicBoolean closing = new AtomicBoolean();
    private final PresenceCursor presence = new PresenceCursor();
    /** Characters of broadcasts queued on the connection and not written yet. */
    private final AtomicLong queuedBroadcasts = new AtomicLong();

    // Guarded by this object's monitor:
    private final SocketCursor cursor = new SocketCursor();
    /** The room it joined after its first authorised hello; null before. */
    private Room room;
    /** The user whose socket count it joined under; null in open mode or before it joined. */
    private String user;
    private String clientID;
    private String clientGroupID;
    /** Who the socket's hello authenticated; null before. */
    private Caller caller;
    private long expiryTimer = -1;
    private Vertx timers;

    Member(WebSocketConnection connection, SocketWire wire, String spaceID, String address, ObjectMapper mapper,
            RateLimit rateLimit, Duration writeTimeout) {
        this.connection = connection;
        this.wire = wire;
        this.writeTimeout = writeTimeout;
        this.spaceID = spaceID;
        this.address = address;
        this.mapper = mapper;
        this.rateLimit = rateLimit;
    }

    WebSocketConnection connection() {
        return connection;
    }

    /** The event loop the socket's frames are written on: a room offers changes to its sockets from there. */
    Executor loop() {
        return wire.loop();
    }

    String spaceID() {
        return spaceID;
    }

    String address() {
        return address;
    }

    /** The room this socket joined; null before its first authorised hello. */
    synchronized Room room() {
        return room;
    }

    synchronized void joined(Room room, String user) {
        this.room = room;
        this.user = user;
    }

    synchronized String user() {
        return user;
    }

    /** Nanoseconds since the socket opened. */
    long openFor(long now) {
        return now - openedAt;
    }

    /** The client showed it is there (a frame, or a pong). */
    void heard() {
        heardAt = System.nanoTime();
    }

    /** Nanoseconds since the client last showed it is there. */
    long silentFor(long now) {
        return now - heardAt;
    }

    synchronized String clientGroupID() {
        return clientGroupID;
    }

    /** The space version whose state this socket was last sent; -1 before the reply to its first hello. */
    synchronized long version() {
        return cursor.version();
    }

    synchronized String clientID() {
        return clientID;
    }

    /** Marks the socket as being closed by the server; false when it already was. Later frames are dropped. */
    boolean startClosing() {
        return closing.compareAndSet(false, true);
    }

    boolean closing() {
        return closing.get();
    }

    /** Whether a message may be handled now, within the socket's rate. */
    boolean admit() {
        return rateLimit.tryAcquire();
    }

    synchronized Caller caller() {
        return caller;
    }

    /**
     * Remembers who the socket's hello authenticated; when their credentials expire the socket is closed with 4401,
     * so that the client fetches new ones and says hello again.
     */
    synchronized void authenticate(Caller caller, Vertx vertx) {
        this.caller = caller;
        cancelExpiry();
        caller.expiresAt().ifPresent(expiry -> {
            long delay = Math.max(1, Duration.between(Instant.now(), expiry).toMillis());
            timers = vertx;
            expiryTimer = vertx.setTimer(delay, timer -> {
                Log.debugf("Closing socket %s of space %s: its token expired", connection.id(), spaceID);
                close(CloseCodes.TOKEN_EXPIRED);
            });
        });
    }

    /** Forgets the expiry timer (on re-authentication, or when the socket is gone). */
    synchronized void cancelExpiry() {
        if (expiryTimer >= 0) {
            timers.cancelTimer(expiryTimer);
            expiryTimer = -1;
        }
    }

    /** Closes the socket from the server's side, once. */
    void close(CloseReason reason) {
        if (startClosing()) {
            connection.close(reason).subscribe().with(closed -> {
            }, failure -> Log.debugf("Closing socket %s failed: %s", connection.id(), LogSafe.of(failure.getMessage())));
        }
    }

    synchronized void identify(String clientID, String clientGroupID) {
        this.clientID = clientID;
        this.clientGroupID = clientGroupID;
    }

    /** As {@link SocketCursor#dueFrom}. */
    synchronized long dueFrom(long target) {
        return cursor.dueFrom(target);
    }

    /** A hello or pull is about to be answered: no poke goes out until {@link #endReply()}. */
    synchronized void startReply() {
        cursor.startReply();
    }

    /** The hello or pull was answered (or failed): pokes may go out again, and any change meanwhile does. */
    void endReply() {
        Room joined;
        synchronized (this) {
            if (!cursor.endReply()) {
                return;
            }
            joined = room;
        }
        if (joined != null) {
            joined.requestPass();
        }
    }

    /**
     * A reply's frame (a hello's poke, or a pull reply) around one part of its patch: {@code opening} is its first
     * fields, from the brace to the comma before {@code cookie}. {@code shared}: sockets whose replies have the same
     * opening, cookie and {@code lastMutationIDChanges} share the frames of a patch they share (a hello's, in a storm of
     * reconnects); a pull's reply, which names its request, shares nothing.
     */
    record ReplyFrame(String opening, boolean shared) {

        /** A hello's reply: a poke from the cookie the client declared ({@code base}, as JSON). */
        static ReplyFrame hello(String base) {
            return new ReplyFrame("{\"message\":\"poke\",\"baseCookie\":" + base + ",", true);
        }

        /** A pull frame's reply, naming its request ({@code requestID}, as JSON). */
        static ReplyFrame pull(String requestID) {
            return new ReplyFrame("{\"message\":\"pull\",\"requestID\":" + requestID + ",", false);
        }

        /** All of a frame before its patch's elements. */
        String head(ObjectMapper mapper, JsonNode cookie, Map<String, Long> lastMutationIDChanges) {
            return opening + "\"cookie\":" + Frames.text(mapper, cookie) + ",\"lastMutationIDChanges\":"
                    + Frames.text(mapper, lastMutationIDChanges) + ",\"patch\":[";
        }

        static String frame(String head, String elements, boolean more) {
            return head + elements + (more ? "],\"more\":true}" : "]}");
        }
    }

    /**
     * Sends the reply to a hello or a pull, its patch in parts of about {@value #PART_BYTES} bytes (each but the last
     * marked {@code "more": true}), each written before the next is read; from then on its cookie is this socket's
     * base. A reply never takes the socket's cookie below one it was sent: when the client declared an older base than
     * that, the reply carries the changes from that base with the cookie the socket already had. Deletes the reply's
     * spool. A client that does not take a part within {@code replicache.room.write-timeout} is cut off: its socket is
     * closed (1001), and the rest of the reply is not sent.
     */
    void reply(PullService.Pulled pulled, ReplyFrame reply) {
        JsonNode sent;
        synchronized (this) {
            sent = cursor.replied(new Cookie(pulled.cookie(), pulled.version())).json();
        }
        String head = reply.head(mapper, sent, pulled.lastMutationIDChanges());
        PatchSpool.Framer<SocketWire.Frame> framer = (elements, more) -> new SocketWire.Frame(
                ReplyFrame.frame(head, elements, more));
        try {
            Optional<List<SocketWire.Frame>> shared = reply.shared()
                    ? pulled.patch().sharedFrames(head, PART_BYTES, framer)
                    : Optional.empty();
            if (shared.isPresent()) {
                for (SocketWire.Frame part : shared.get()) {
                    write(part);
                }
            } else {
                pulled.patch().inParts(PART_BYTES, (elements, more) -> write(framer.frame(elements, more)));
            }
        } catch (StalledReaderException e) {
            Log.debugf("Cut off socket %s of space %s: %s", connection.id(), spaceID, e.getMessage());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            pulled.patch().delete();
        }
    }

    /**
     * Writes a frame and waits until Netty has handed it to the operating system: a client that does not read holds
     * one part in direct memory, not the whole reply.
     *
     * @throws StalledReaderException when it was not written in time (the socket is being closed), or could not be
     */
    private void write(SocketWire.Frame frame) throws StalledReaderException {
        CompletableFuture<Void> written = new CompletableFuture<>();
        wire.writeOnLoop(frame, failure -> {
            if (failure == null) {
                written.complete(null);
            } else {
                written.completeExceptionally(failure);
            }
        });
        try {
            written.get(writeTimeout.toNanos(), TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
            close(CloseCodes.SILENT);
            throw new StalledReaderException("it took no part of its reply for " + writeTimeout.toMillis() + " ms");
        } catch (ExecutionException e) {
            throw new StalledReaderException("a part of its reply could not be written: " + e.getCause().getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new StalledReaderException("interrupted while a part of its reply was written");
        }
    }

    /**
     * Offers the changes to this socket: if they hold anything for it beyond its cookie, it gets a poke, built once per
     * base cookie (and per client group, for groups whose clients changed) and shared through {@code pokes}, which the
     * room's event loops share. A socket whose unseen changes were purged is closed (4010), to say hello again and get
     * the whole state. {@code timed}: the poke's latency is timed ({@link Room#memberReady}).
     */
    void offer(ChangeSet changes, Map<String, SocketWire.Frame> pokes, boolean timed) {
        SocketCursor.Due due;
        synchronized (this) {
            due = cursor.offer(changes.fromVersion(), changes.version());
            if (due instanceof SocketCursor.Poke poke) {
                SocketWire.Frame frame = poke(changes, poke, pokes);
                if (frame != NO_POKE) {
                    cursor.poking(poke);
                    queue(frame, true, timed);
                }
            }
        }
        if (due instanceof SocketCursor.WholeState) {
            close(CloseCodes.HISTORY_PURGED);
        }
    }

    /**
     * The poke's frame, shared by the sockets with the same base unless their group's own clients changed;
     * {@link #NO_POKE} when the changes hold nothing for the socket.
     */
    private SocketWire.Frame poke(ChangeSet changes, SocketCursor.Poke poke, Map<String, SocketWire.Frame> pokes) {
        Cookie base = poke.base();
        String key = base.ahead() ? base.version() + "/" + base.order() : Long.toString(base.version());
        String shared = changes.changesClientsOf(base.version(), clientGroupID) ? key + " " + clientGroupID : key;
        return pokes.computeIfAbsent(shared, unused -> {
            PullResponse since = changes.since(base.version(), clientGroupID);
            boolean empty = since.patch().isEmpty() && since.lastMutationIDChanges().isEmpty();
            return empty ? NO_POKE
                    : new SocketWire.Frame(Frames.text(mapper, Frames.Poke.of(base.json(), poke.next().json(), since)));
        });
    }

    /** Its place in the room's presence (guarded by the room's presence lock). */
    PresenceCursor presence() {
        return presence;
    }

    /**
     * Writes a presence frame (from the socket's event loop, where it goes straight to the channel); {@code written}
     * runs once it is written (or failed to be). Not under this object's monitor: a presence frame need keep no order
     * with pokes.
     */
    void sendPresence(SocketWire.Frame frame, Runnable written) {
        wire.write(frame, failure -> {
            if (failure != null) {
                Log.debugf("Could not write presence to socket %s of space %s: %s", connection.id(), spaceID,
                        LogSafe.of(failure.getMessage()));
            }
            written.run();
        });
    }

    /**
     * Queues another client's broadcast, unless the socket has {@value #MAX_QUEUED_BROADCASTS} bytes of them waiting
     * already: a client that reads too slowly misses events rather than fill the server's memory. Returns whether it
     * was queued.
     */
    boolean sendBroadcast(SocketWire.Frame frame) {
        long size = frame.length();
        if (queuedBroadcasts.addAndGet(size) > MAX_QUEUED_BROADCASTS) {
            queuedBroadcasts.addAndGet(-size);
            return false;
        }
        wire.write(frame, failure -> queuedBroadcasts.addAndGet(-size));
        return true;
    }

    /** Queues a frame that is not a poke (a greeting, an error). */
    synchronized void send(Object frame) {
        queue(new SocketWire.Frame(Frames.text(mapper, frame)), false, false);
    }

    /** Queues the frame; a poke holds back the next until written. Called under the monitor. */
    private void queue(SocketWire.Frame frame, boolean poke, boolean timed) {
        wire.write(frame, failure -> {
            if (failure != null) {
                Log.debugf("Could not write to socket %s of space %s: %s", connection.id(), spaceID,
                        LogSafe.of(failure.getMessage()));
            }
            written(poke, timed);
        });
    }

    private void written(boolean poke, boolean timed) {
        if (poke) {
            Room joined;
            boolean behind;
            synchronized (this) {
                cursor.written();
                joined = room;
                behind = cursor.seenBefore(joined.latest());
            }
            joined.memberReady(behind, timed); // only a room's pass sends pokes
        }
    }

    /** The cookie as the client holds it: what a hello's reply says as its base. */
    static JsonNode cookieNode(JsonNode cookie) {
        return cookie == null ? NullNode.getInstance() : cookie;
    }
}
