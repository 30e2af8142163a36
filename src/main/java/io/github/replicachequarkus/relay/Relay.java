package io.github.replicachequarkus.relay;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Queue;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Supplier;
import java.util.stream.Stream;

import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Event;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.event.TransactionPhase;
import jakarta.enterprise.inject.Instance;

import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.postgresql.PGConnection;
import org.postgresql.PGNotification;

import io.agroal.api.AgroalDataSource;
import io.github.replicachequarkus.LogSafe;
import io.github.replicachequarkus.relay.RoomMessage.Kind;
import io.quarkus.logging.Log;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;

/**
 * What the machines of a deployment tell each other, through PostgreSQL LISTEN/NOTIFY: committed changes, so that an
 * HTTP push handled on one machine pokes the room's sockets on another; and room messages (presence, broadcasts,
 * heartbeats), so that one space's sockets on several machines see each other.
 * <ul>
 * <li>Sending: after a local commit the space and its version are queued, and room messages are queued as the rooms
 * send them; a sender thread NOTIFYs them in batches, on a connection of its own. Never inside the push's transaction:
 * NOTIFY there would take PostgreSQL's global notify lock at every commit and serialise all writers. Bursts coalesce:
 * only a space's newest version is sent, and what queues during a batch window ({@code replicache.relay.batch-window})
 * goes out in one transaction. A room message too long for NOTIFY goes through the {@code relay_message} table.</li>
 * <li>Receiving: a listener thread holds one connection with LISTEN on both channels, outside the pool (a connection
 * that dies under it must not go back to the pool). It fires {@link SpaceChanged} ({@code remote}) for what other
 * machines committed, and {@link RoomMessage} for their rooms' messages. When the connection breaks it reconnects with
 * backoff and fires {@link ChangesMissed}, since notifications sent meanwhile are lost; it asks every machine for a
 * presence snapshot for the same reason.</li>
 * <li>Liveness: each machine sends a heartbeat on the rooms channel when it has been quiet for
 * {@code replicache.relay.heartbeat-interval}; one not heard from for {@code replicache.relay.heartbeat-expiry} is
 * gone ({@link MachineGone}). A machine heard from for the first time, or whose messages were missed (a gap in its
 * sequence), is asked for its snapshot; one heard from for the first time is sent this machine's, since room messages
 * go to nobody while no other machine is known.</li>
 * </ul>
 * Change payload: {@code <machine> <spaceID> <version>}; room payloads: see {@link RoomMessage}. A machine ignores its
 * own notifications.
 */
@ApplicationScoped
public class Relay {

    /** The version of a change notification that tells of a deletion. */
    private static final String DELETED = "deleted";

    /** PostgreSQL refuses a NOTIFY payload of this many bytes or more. */
    static final int NOTIFY_LIMIT = 8000;
    /** Stored room messages are deleted this long after they were sent: every listener has read them by then. */
    private static final Duration STORED_FOR = Duration.ofMinutes(5);
    private static final String EVERY_MACHINE = "*";

    private final String machine = UUID.randomUUID().toString();
    private final Map<String, Long> outbox = new ConcurrentHashMap<>();
    /** Spaces deleted here, for the other machines to hear of. */
    private final Set<String> deletions = ConcurrentHashMap.newKeySet();
    private final Queue<Supplier<RoomMessage>> roomOutbox = new ConcurrentLinkedQueue<>();
    private final Peers peers = new Peers();
    private final AtomicBoolean snapshotQueued = new AtomicBoolean();
    private final AgroalDataSource dataSource;
    private final Event<SpaceChanged> spaceChanged;
    private final Event<SpaceDeleted> spaceDeleted;
    private final Event<ChangesMissed> changesMissed;
    private final Event<RoomMessage> roomMessages;
    private final Event<MachineGone> machineGone;
    private final Instance<PresenceSnapshots> snapshots;
    private final RelayConfig config;
    private volatile boolean running;
    private volatile boolean listening;
    private Thread sender;
    private Thread listener;

    // The sender thread's own:
    private long sequence;
    private long roomsSentAt = Long.MIN_VALUE;
    private long storedAt = Long.MIN_VALUE;
    private long cleanedAt = Long.MIN_VALUE;
    /** Room messages a failed transaction did not send: they go first next time. */
    private final List<RoomMessage> unsent = new ArrayList<>();

    private final String jdbcUrl;
    private final Properties credentials = new Properties();

    Relay(AgroalDataSource dataSource, Event<SpaceChanged> spaceChanged, Event<SpaceDeleted> spaceDeleted,
            Event<ChangesMissed> changesMissed,
            Event<RoomMessage> roomMessages, Event<MachineGone> machineGone, Instance<PresenceSnapshots> snapshots,
            RelayConfig config, @ConfigProperty(name = "quarkus.datasource.jdbc.url") String jdbcUrl,
            @ConfigProperty(name = "quarkus.datasource.username") Optional<String> username,
            @ConfigProperty(name = "quarkus.datasource.password") Optional<String> password) {
        this.dataSource = dataSource;
        this.jdbcUrl = jdbcUrl;
        username.ifPresent(user -> credentials.setProperty("user", user));
        password.ifPresent(secret -> credentials.setProperty("password", secret));
        credentials.setProperty("ApplicationName", "replicache-quarkus-listener");
        credentials.setProperty("tcpKeepAlive", "true");
        this.spaceChanged = spaceChanged;
        this.spaceDeleted = spaceDeleted;
        this.changesMissed = changesMissed;
        this.roomMessages = roomMessages;
        this.machineGone = machineGone;
        this.snapshots = snapshots;
        this.config = config;
    }

    void start(@Observes StartupEvent startup) {
        if (!config.enabled()) {
            return;
        }
        running = true;
        sender = Thread.ofPlatform().daemon().name("replicache-relay-sender").start(this::sendLoop);
        listener = Thread.ofPlatform().daemon().name("replicache-relay-listener").start(this::listenLoop);
        Log.infof("Relay: this machine is %s to the others, on channels %s and %s", machine, config.channel(),
                config.roomsChannel());
    }

    /** Says goodbye, so that the others drop this machine's presence at once, then stops. */
    void stop(@Observes ShutdownEvent shutdown) {
        if (sender == null) {
            return;
        }
        queue(Kind.GOODBYE, "", "");
        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(1);
        while (!roomOutbox.isEmpty() && sender.isAlive() && System.nanoTime() < until) {
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(5));
        }
        halt();
        try {
            sender.join(Duration.ofSeconds(1)); // the goodbye in flight commits before the pool closes
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * Stops both threads. Also when the container is torn down without a shutdown event (a start that failed after
     * the relay began): they must not go on using a pool that is closed.
     */
    @PreDestroy
    void halt() {
        running = false;
        if (sender != null) {
            LockSupport.unpark(sender);
            listener.interrupt();
        }
    }

    /** Whether the listener holds a live LISTEN connection: without it, other machines' changes go unheard. */
    public boolean listening() {
        return listening;
    }

    /** This machine's id among the others: random, new at every start. */
    public String machine() {
        return machine;
    }

    void committed(@Observes(during = TransactionPhase.AFTER_SUCCESS) SpaceChanged change) {
        if (running && !change.remote()) {
            outbox.merge(change.spaceID(), change.version(), Math::max);
            LockSupport.unpark(sender);
        }
    }

    void deleted(@Observes(during = TransactionPhase.AFTER_SUCCESS) SpaceDeleted deleted) {
        if (running && !deleted.remote()) {
            deletions.add(deleted.spaceID());
            LockSupport.unpark(sender);
        }
    }

    /**
     * Tells the other machines of presence changes in a space: each a JSON object as in the {@code changes} frame. They
     * go in as few messages as fit NOTIFY. Nothing is sent while no other machine is known: one that starts asks for a
     * snapshot.
     */
    public void sendPresence(String spaceID, List<String> changes) {
        if (!running || peers.isEmpty() || changes.isEmpty()) {
            return;
        }
        // What a message's body may take: the limit less its header (machine, sequence, kind, space and its length).
        int room = NOTIFY_LIMIT - RoomMessage.utf8Length(machine) - RoomMessage.utf8Length(spaceID) - 48;
        StringBuilder body = new StringBuilder("[");
        int size = 2;
        for (String change : changes) {
            int length = RoomMessage.utf8Length(change) + 1;
            if (body.length() > 1 && size + length > room) {
                queue(Kind.PRESENCE, spaceID, body.append(']').toString());
                body.setLength(1);
                size = 2;
            }
            if (body.length() > 1) {
                body.append(',');
            }
            body.append(change);
            size += length;
        }
        queue(Kind.PRESENCE, spaceID, body.append(']').toString());
    }

    /** Sends a broadcast frame (its text) to the space's sockets on the other machines. */
    public void sendBroadcast(String spaceID, String frame) {
        if (running && !peers.isEmpty()) {
            queue(Kind.BROADCAST, spaceID, frame);
        }
    }

    /** Tells the other machines to close their sockets of the space (the app's backend asked). */
    public void sendClose(String spaceID) {
        if (running && !peers.isEmpty()) {
            queue(Kind.CLOSE, spaceID, "");
        }
    }

    private void queue(Kind kind, String spaceID, String body) {
        RoomMessage message = new RoomMessage(machine, kind, spaceID, body);
        queue(() -> message);
    }

    /** Queues a message made when it is sent (a snapshot is taken then, after what was queued before it). */
    private void queue(Supplier<RoomMessage> message) {
        roomOutbox.add(message);
        LockSupport.unpark(sender);
    }

    private void sendLoop() {
        long failures = 0;
        long heartbeat = Math.max(1, config.heartbeatInterval().toNanos());
        while (running) {
            long now = System.nanoTime();
            boolean heartbeatDue = roomsSentAt == Long.MIN_VALUE || now - roomsSentAt >= heartbeat;
            if (outbox.isEmpty() && deletions.isEmpty() && roomOutbox.isEmpty() && unsent.isEmpty() && !heartbeatDue) {
                LockSupport.parkNanos(this, heartbeat - (now - roomsSentAt));
                continue;
            }
            Map<String, Long> batch = Map.copyOf(outbox);
            batch.forEach((spaceID, version) -> outbox.remove(spaceID, version)); // only the versions sent: a newer one merged meanwhile stays queued
            List<String> deleted = List.copyOf(deletions);
            deleted.forEach(deletions::remove);
            List<RoomMessage> messages = new ArrayList<>(unsent);
            unsent.clear();
            for (Supplier<RoomMessage> queued; (queued = roomOutbox.poll()) != null;) {
                RoomMessage message = queued.get();
                if (message != null) {
                    messages.add(message);
                }
            }
            if (messages.isEmpty() && heartbeatDue) {
                messages.add(new RoomMessage(machine, Kind.HEARTBEAT, "", ""));
            }
            long sequenceBefore = sequence;
            try {
                send(batch, deleted, messages);
                failures = 0;
                if (!messages.isEmpty()) {
                    roomsSentAt = System.nanoTime();
                }
            } catch (SQLException | RuntimeException e) {
                if (!running) {
                    return; // stopped while sending: the pool may be gone already
                }
                sequence = sequenceBefore;
                batch.forEach((space, version) -> outbox.merge(space, version, Math::max));
                deletions.addAll(deleted);
                messages.stream().filter(message -> message.kind() != Kind.HEARTBEAT).forEach(unsent::add);
                Log.warnf("Could not tell other machines of %d changed space(s) and %d room message(s), retrying: %s",
                        batch.size(), messages.size(), e.getMessage());
                pause(++failures);
                continue;
            }
            cleanUp();
            waitOut(config.batchWindow()); // what queues meanwhile goes out with the next, outside the connection
        }
    }

    /**
     * Sends the changes, deletions and room messages in one transaction: they are delivered at its commit, in this
     * order. A deletion is a change whose version is the word {@code deleted}.
     */
    private void send(Map<String, Long> changes, List<String> deleted, List<RoomMessage> messages)
            throws SQLException {
        try (Connection connection = dataSource.getConnection()) {
            connection.setAutoCommit(false);
            try {
                if (!changes.isEmpty() || !deleted.isEmpty()) {
                    String[] payloads = Stream.concat(
                            changes.entrySet().stream()
                                    .map(change -> machine + " " + change.getKey() + " " + change.getValue()),
                            deleted.stream().map(spaceID -> machine + " " + spaceID + " " + DELETED))
                            .toArray(String[]::new);
                    notify(connection, config.channel(), payloads);
                }
                if (!messages.isEmpty()) {
                    String[] payloads = new String[messages.size()];
                    for (int i = 0; i < payloads.length; i++) {
                        String payload = messages.get(i).encode(++sequence);
                        payloads[i] = RoomMessage.fitsNotify(payload) ? payload : store(connection, payload);
                    }
                    notify(connection, config.roomsChannel(), payloads);
                }
                connection.commit();
            } catch (SQLException e) {
                connection.rollback();
                throw e;
            } finally {
                connection.setAutoCommit(true);
            }
        }
    }

    private static void notify(Connection connection, String channel, String[] payloads) throws SQLException {
        try (PreparedStatement notify = connection.prepareStatement("SELECT pg_notify(?, x) FROM unnest(?::text[]) AS x")) {
            notify.setString(1, channel);
            notify.setArray(2, connection.createArrayOf("text", payloads));
            notify.execute();
        }
    }

    /** Stores a payload too long for NOTIFY; returns the payload that points at it. */
    private String store(Connection connection, String payload) throws SQLException {
        try (PreparedStatement insert = connection
                .prepareStatement("INSERT INTO relay_message (body) VALUES (?) RETURNING id")) {
            insert.setString(1, payload);
            try (ResultSet id = insert.executeQuery()) {
                id.next();
                storedAt = System.nanoTime();
                return RoomMessage.reference(machine, id.getLong(1));
            }
        }
    }

    /** Deletes old stored messages, at most once a minute and only while this machine stores any. */
    private void cleanUp() {
        long now = System.nanoTime();
        if (storedAt == Long.MIN_VALUE || (cleanedAt != Long.MIN_VALUE && now - cleanedAt < TimeUnit.MINUTES.toNanos(1))) {
            return;
        }
        cleanedAt = now;
        try (Connection connection = dataSource.getConnection();
                PreparedStatement delete = connection
                        .prepareStatement("DELETE FROM relay_message WHERE sent_at < now() - make_interval(secs => ?)")) {
            delete.setDouble(1, STORED_FOR.toSeconds());
            delete.executeUpdate();
        } catch (SQLException | RuntimeException e) {
            if (running) {
                Log.warnf("Could not delete old relayed room messages: %s", e.getMessage());
            }
        }
        if (now - storedAt > STORED_FOR.toNanos()) {
            storedAt = Long.MIN_VALUE; // all deleted: nothing more to clean until the next is stored
        }
    }

    /** Waits the whole window: queued messages unpark the sender, and must not cut it short. */
    private void waitOut(Duration window) {
        long until = System.nanoTime() + window.toNanos();
        for (long left = window.toNanos(); running && left > 0; left = until - System.nanoTime()) {
            LockSupport.parkNanos(this, left);
        }
    }

    private void listenLoop() {
        long failures = 0;
        boolean missed = false;
        int wait = (int) Math.max(1, Math.min(config.checkInterval().toMillis(), config.heartbeatInterval().toMillis()));
        while (running) {
            try (Connection connection = DriverManager.getConnection(jdbcUrl, credentials)) {
                try (Statement statement = connection.createStatement()) {
                    statement.execute("LISTEN " + quoteIdentifier(config.channel()));
                    statement.execute("LISTEN " + quoteIdentifier(config.roomsChannel()));
                }
                listening = true;
                failures = 0;
                peers.sequencesUnknown();
                queue(Kind.SNAPSHOT_WANTED, "", EVERY_MACHINE); // whoever is there: who is present on your machine?
                if (missed) {
                    Log.info("Listening for other machines' changes again; checking every space served here");
                    changesMissed.fire(new ChangesMissed());
                }
                PGConnection postgres = connection.unwrap(PGConnection.class);
                long checkedAt = System.nanoTime();
                while (running) {
                    PGNotification[] notifications = postgres.getNotifications(wait);
                    if (notifications != null) {
                        for (PGNotification notification : notifications) {
                            if (notification.getName().equals(config.channel())) {
                                deliverChange(notification.getParameter());
                            } else {
                                deliverRoomMessage(connection, notification.getParameter());
                            }
                        }
                    }
                    expirePeers();
                    if (System.nanoTime() - checkedAt >= config.checkInterval().toNanos()) {
                        try (Statement alive = connection.createStatement()) {
                            alive.execute("SELECT 1");
                        }
                        checkedAt = System.nanoTime();
                    }
                }
            } catch (SQLException e) {
                if (running) {
                    Log.warnf("Lost the connection that listens for other machines' changes, reconnecting: %s",
                            e.getMessage());
                    missed = true;
                    pause(++failures);
                }
            } finally {
                listening = false;
            }
        }
    }

    private void deliverChange(String payload) {
        String[] parts = payload.split(" ");
        if (parts.length != 3 || parts[0].equals(machine)) {
            return;
        }
        try {
            if (parts[2].equals(DELETED)) {
                spaceDeleted.fire(new SpaceDeleted(parts[1], true));
            } else {
                spaceChanged.fire(new SpaceChanged(parts[1], Long.parseLong(parts[2]), true));
            }
        } catch (NumberFormatException e) {
            Log.warnf("Ignored a malformed change notification: %s", LogSafe.of(payload));
        } catch (RuntimeException e) {
            Log.errorf(LogSafe.failure(e), "Delivering a change of space %s failed", LogSafe.of(parts[1]));
        }
    }

    /** Reads a room message (from the table, when it was too long for NOTIFY) and acts on it. */
    private void deliverRoomMessage(Connection connection, String payload) throws SQLException {
        RoomMessage.Numbered numbered;
        try {
            RoomMessage.Received received = RoomMessage.decode(payload);
            if (received.machine().equals(machine)) {
                return;
            }
            if (received instanceof RoomMessage.Stored stored) {
                String body = storedBody(connection, stored.id());
                if (body == null) {
                    Log.warnf("A relayed room message of machine %s was deleted before it was read", stored.machine());
                    queue(Kind.SNAPSHOT_WANTED, "", stored.machine());
                    return;
                }
                received = RoomMessage.decode(body);
            }
            if (!(received instanceof RoomMessage.Numbered message)) {
                throw new IllegalArgumentException("a stored message points at another");
            }
            numbered = message;
        } catch (IllegalArgumentException e) {
            Log.warnf("Ignored a malformed room notification: %s", LogSafe.of(payload));
            return;
        }
        RoomMessage message = numbered.message();
        Peers.Heard heard = peers.heard(message.machine(), numbered.sequence(), System.nanoTime());
        if (heard == Peers.Heard.NEW) {
            // What this machine held before it knew of the other was sent to nobody: the snapshot carries it.
            queueSnapshot();
        }
        if (heard == Peers.Heard.GAP || (heard == Peers.Heard.NEW && message.kind() != Kind.SNAPSHOT)) {
            queue(Kind.SNAPSHOT_WANTED, "", message.machine());
        }
        try {
            switch (message.kind()) {
                case HEARTBEAT -> {
                    // heard: that is all
                }
                case SNAPSHOT_WANTED -> {
                    if (message.body().equals(EVERY_MACHINE) || message.body().equals(machine)) {
                        queueSnapshot();
                    }
                }
                case GOODBYE -> {
                    peers.forget(message.machine());
                    machineGone.fire(new MachineGone(message.machine()));
                }
                case PRESENCE, BROADCAST, SNAPSHOT, CLOSE -> roomMessages.fire(message);
            }
        } catch (RuntimeException e) {
            Log.errorf(LogSafe.failure(e), "Acting on a room message of machine %s failed", message.machine());
        }
    }

    private static String storedBody(Connection connection, long id) throws SQLException {
        try (PreparedStatement select = connection.prepareStatement("SELECT body FROM relay_message WHERE id = ?")) {
            select.setLong(1, id);
            try (ResultSet body = select.executeQuery()) {
                return body.next() ? body.getString(1) : null;
            }
        }
    }

    /** Queues this machine's snapshot, unless one is queued already: it is taken when it is sent, so one serves all. */
    private void queueSnapshot() {
        if (snapshotQueued.compareAndSet(false, true)) {
            queue(this::snapshot);
        }
    }

    /** This machine's presence snapshot, taken now; null when no rooms here keep presence. */
    private RoomMessage snapshot() {
        snapshotQueued.set(false);
        if (!snapshots.isResolvable()) {
            return null;
        }
        return new RoomMessage(machine, Kind.SNAPSHOT, "", snapshots.get().snapshot());
    }

    private void expirePeers() {
        for (String gone : peers.expire(System.nanoTime(), config.heartbeatExpiry().toNanos())) {
            Log.infof("Machine %s was not heard from for %s: its clients' presence is gone", gone,
                    config.heartbeatExpiry());
            try {
                machineGone.fire(new MachineGone(gone));
            } catch (RuntimeException e) {
                Log.errorf(LogSafe.failure(e), "Dropping the presence of machine %s failed", gone);
            }
        }
    }

    /** Exponential backoff from 100 ms up to the configured maximum. */
    private void pause(long failures) {
        long millis = Math.min(config.maxReconnectDelay().toMillis(), 100L << Math.min(failures, 10));
        LockSupport.parkNanos(Duration.ofMillis(millis).toNanos());
    }

    private static String quoteIdentifier(String name) {
        return "\"" + name.replace("\"", "\"\"") + "\"";
    }
}
