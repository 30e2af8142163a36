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
import java.util.Properties;
import java.util.UUID;
import java.util.function.Predicate;

import org.eclipse.microprofile.config.Config;
import org.eclipse.microprofile.config.ConfigProvider;
import org.postgresql.PGConnection;
import org.postgresql.PGNotification;

import io.github.replicachequarkus.relay.RoomMessage.Kind;

/**
 * Another machine of the deployment, played by a test: it sends room messages on the rooms channel as a relay does,
 * heartbeats every 200 ms until it is closed, and hears what the machine under test sends there.
 */
final class FakeMachine implements AutoCloseable {

    static final String CHANNEL = "replicache_rooms";

    final String id = "fake-" + UUID.randomUUID();
    /** Where it listens; it sends on another, so that a wait for notifications holds up no heartbeat. */
    private final Connection connection;
    private final Connection sending;
    private final List<RoomMessage> heard = new ArrayList<>();
    private final Thread heartbeats;
    private volatile boolean alive = true;
    /** Guarded by this object's monitor, as the sending connection is: messages leave in the order of their numbers. */
    private long sequence;

    /** A machine on the running application's database. */
    static FakeMachine start() throws SQLException {
        Config config = ConfigProvider.getConfig();
        Properties credentials = new Properties();
        config.getOptionalValue("quarkus.datasource.username", String.class)
                .ifPresent(user -> credentials.setProperty("user", user));
        config.getOptionalValue("quarkus.datasource.password", String.class)
                .ifPresent(secret -> credentials.setProperty("password", secret));
        return new FakeMachine(config.getValue("quarkus.datasource.jdbc.url", String.class), credentials);
    }

    /**
     * On a connection of its own, never a pooled one: notifications a pooled connection received but nobody read would
     * reach the next test that borrows it.
     */
    private FakeMachine(String jdbcUrl, Properties credentials) throws SQLException {
        connection = DriverManager.getConnection(jdbcUrl, credentials);
        sending = DriverManager.getConnection(jdbcUrl, credentials);
        try (Statement listen = connection.createStatement()) {
            listen.execute("LISTEN " + CHANNEL);
        }
        heartbeats = Thread.ofVirtual().start(() -> {
            while (alive) {
                try {
                    Thread.sleep(200);
                    send(Kind.HEARTBEAT, "", "");
                } catch (InterruptedException | SQLException stopped) {
                    return;
                }
            }
        });
    }

    synchronized FakeMachine send(Kind kind, String spaceID, String body) throws SQLException {
        if (!alive) {
            throw new IllegalStateException("closed");
        }
        String payload = new RoomMessage(id, kind, spaceID, body).encode(++sequence);
        if (!RoomMessage.fitsNotify(payload)) {
            try (PreparedStatement insert = sending
                    .prepareStatement("INSERT INTO relay_message (body) VALUES (?) RETURNING id")) {
                insert.setString(1, payload);
                try (ResultSet id = insert.executeQuery()) {
                    id.next();
                    payload = RoomMessage.reference(this.id, id.getLong(1));
                }
            }
        }
        sendRaw(payload);
        return this;
    }

    /** Sends a payload as it is, for payloads no relay would send. */
    synchronized void sendRaw(String payload) throws SQLException {
        try (PreparedStatement notify = sending.prepareStatement("SELECT pg_notify(?, ?)")) {
            notify.setString(1, CHANNEL);
            notify.setString(2, payload);
            notify.execute();
        }
    }

    /** The first message from {@code machine} that matches, heard within the wait; it and those before it are taken. */
    RoomMessage next(String machine, Predicate<RoomMessage> matches, Duration wait) throws SQLException {
        long until = System.nanoTime() + wait.toNanos();
        while (true) {
            for (int i = 0; i < heard.size(); i++) {
                RoomMessage message = heard.get(i);
                if (message.machine().equals(machine) && matches.test(message)) {
                    heard.subList(0, i + 1).clear();
                    return message;
                }
            }
            long left = until - System.nanoTime();
            if (left <= 0) {
                return null;
            }
            listen(Math.max(1, (int) (left / 1_000_000)));
        }
    }

    /** Every message from {@code machine} heard so far and within the wait. */
    List<RoomMessage> all(String machine, Duration wait) throws SQLException {
        listen((int) wait.toMillis());
        List<RoomMessage> all = heard.stream().filter(message -> message.machine().equals(machine)).toList();
        heard.clear();
        return all;
    }

    private void listen(int millis) throws SQLException {
        PGNotification[] notifications = connection.unwrap(PGConnection.class).getNotifications(millis);
        if (notifications == null) {
            return;
        }
        for (PGNotification notification : notifications) {
            if (!notification.getName().equals(CHANNEL)) {
                continue;
            }
            RoomMessage.Received received = RoomMessage.decode(notification.getParameter());
            if (received instanceof RoomMessage.Stored stored) {
                try (PreparedStatement select = connection.prepareStatement("SELECT body FROM relay_message WHERE id = ?")) {
                    select.setLong(1, stored.id());
                    try (ResultSet body = select.executeQuery()) {
                        body.next();
                        received = RoomMessage.decode(body.getString(1));
                    }
                }
            }
            heard.add(((RoomMessage.Numbered) received).message());
        }
    }

    /** Stops hearing: from now on it is silent, as a machine killed. */
    @Override
    public void close() throws SQLException, InterruptedException {
        alive = false;
        heartbeats.interrupt();
        heartbeats.join();
        synchronized (this) {
            sending.close();
        }
        connection.close();
    }

    static boolean is(RoomMessage message, Kind kind) {
        return message.kind() == kind;
    }
}
