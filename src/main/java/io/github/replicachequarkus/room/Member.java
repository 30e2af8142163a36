package io.github.replicachequarkus.room;

import java.time.Duration;
import java.time.Instant;
import java.util.Map;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.LongNode;

import io.github.replicachequarkus.auth.Caller;
import io.github.replicachequarkus.sync.ChangeSet;
import io.github.replicachequarkus.sync.PullResponse;
import io.quarkus.logging.Log;
import io.quarkus.websockets.next.CloseReason;
import io.quarkus.websockets.next.WebSocketConnection;
import io.vertx.core.Vertx;

/**
 * One socket of a room, and what it was last sent: the cookie that is its base for the next poke. Pokes go out one at a
 * time: while one is being written, newer changes wait and then go out together, so a slow socket gets one larger
 * poke rather than a queue of stale ones. Every change of state happens under this object's monitor.
 */
final class Member {

    private final WebSocketConnection connection;
    private final Room room;
    private final ObjectMapper mapper;
    private final RateLimit rateLimit;
    private String clientID;
    private String clientGroupID;
    /** The cookie last sent (poke or pull reply); -1 before the reply to the first hello. */
    private long cookie = -1;
    /** The newest version this socket was checked against: nothing up to it is left to send. */
    private long seen = -1;
    private boolean writing;
    private volatile boolean closing;
    /** Who the socket's hello authenticated; null before. */
    private Caller caller;
    private long expiryTimer = -1;
    private Vertx timers;

    Member(WebSocketConnection connection, Room room, ObjectMapper mapper, RateLimit rateLimit) {
        this.connection = connection;
        this.room = room;
        this.mapper = mapper;
        this.rateLimit = rateLimit;
    }

    WebSocketConnection connection() {
        return connection;
    }

    synchronized String clientGroupID() {
        return clientGroupID;
    }

    /** The cookie last sent to this socket; -1 before the reply to its first hello. */
    synchronized long cookie() {
        return cookie;
    }

    synchronized String clientID() {
        return clientID;
    }

    /** Marks the socket as being closed by the server; false when it already was. Later frames are dropped. */
    boolean startClosing() {
        synchronized (this) {
            boolean first = !closing;
            closing = true;
            return first;
        }
    }

    boolean closing() {
        return closing;
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
                Log.debugf("Closing socket %s of space %s: its token expired", connection.id(), room.spaceID());
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
            }, failure -> Log.debugf("Closing socket %s failed: %s", connection.id(), failure.getMessage()));
        }
    }

    synchronized void identify(String clientID, String clientGroupID) {
        this.clientID = clientID;
        this.clientGroupID = clientGroupID;
    }

    /** Whether a broadcast pass should look at this socket, and from which cookie: -1 for no. */
    synchronized long dueFrom(long version) {
        return cookie >= 0 && !writing && seen < version ? cookie : -1;
    }

    /**
     * Sends the reply to a hello or a pull (built by {@code frame} from the response); from then on its cookie is this
     * socket's base.
     */
    synchronized void reply(PullResponse response, Object frame) {
        cookie = response.cookie();
        seen = Math.max(seen, response.cookie());
        send(frame, false);
    }

    /**
     * Offers the changes to this socket: if they hold anything for it beyond its cookie, it gets a poke, built once per
     * cookie (and per client group, for groups whose clients changed) and shared through {@code pokes}.
     */
    synchronized void offer(ChangeSet changes, Map<String, String> pokes) {
        if (cookie < changes.fromVersion() || writing || changes.version() <= seen) {
            return; // a hello or pull reply moved it meanwhile, or a poke is still being written
        }
        seen = changes.version();
        // Sockets with the same cookie share a poke, unless their group's own clients changed.
        String shared = changes.changesClientsOf(cookie, clientGroupID) ? cookie + " " + clientGroupID : Long.toString(cookie);
        String poke = pokes.computeIfAbsent(shared, key -> {
            PullResponse response = changes.since(cookie, clientGroupID);
            boolean empty = response.patch().isEmpty() && response.lastMutationIDChanges().isEmpty();
            return empty ? "" : json(Frames.Poke.of(LongNode.valueOf(cookie), response));
        });
        if (!poke.isEmpty()) {
            cookie = changes.version();
            send(poke, true);
        }
    }

    /** Writes a frame; a poke holds back the next until written. */
    synchronized void send(Object frame, boolean poke) {
        String text = frame instanceof String string ? string : json(frame);
        if (poke) {
            writing = true;
        }
        connection.sendText(text).subscribe().with(written -> written(poke), failure -> {
            Log.debugf("Could not write to socket %s of space %s: %s", connection.id(), room.spaceID(),
                    failure.getMessage());
            written(poke);
        });
    }

    private void written(boolean poke) {
        if (poke) {
            synchronized (this) {
                writing = false;
            }
            room.memberReady();
        }
    }

    private String json(Object frame) {
        try {
            return mapper.writeValueAsString(frame);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a frame did not write as JSON", e);
        }
    }

    /** The cookie as the client holds it: what a hello's reply says as its base. */
    static JsonNode cookieNode(JsonNode cookie) {
        return cookie == null ? com.fasterxml.jackson.databind.node.NullNode.getInstance() : cookie;
    }
}
