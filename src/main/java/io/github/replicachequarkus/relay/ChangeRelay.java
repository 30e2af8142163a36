package io.github.replicachequarkus.relay;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.LockSupport;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Event;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.event.TransactionPhase;

import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.postgresql.PGConnection;
import org.postgresql.PGNotification;

import io.agroal.api.AgroalDataSource;
import io.github.replicachequarkus.LogSafe;
import io.quarkus.logging.Log;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;

/**
 * Carries committed changes between the machines of a deployment through PostgreSQL LISTEN/NOTIFY, so that an HTTP
 * push handled on one machine pokes the room's sockets on another.
 * <ul>
 * <li>Sending: after a local commit the space and its version are queued; a sender thread NOTIFYs them in batches,
 * on a connection of its own. Never inside the push's transaction: NOTIFY there would take PostgreSQL's global
 * notify lock at every commit and serialise all writers. Bursts coalesce: only a space's newest version is sent, and
 * the changes of a batch window ({@code replicache.relay.batch-window}) go out in one transaction, so that busy spaces
 * do not add a NOTIFY transaction for nearly every push.</li>
 * <li>Receiving: a listener thread holds one connection with LISTEN, outside the pool (a connection that dies under
 * it must not go back to the pool), and fires {@link SpaceChanged} ({@code remote})
 * for what other machines committed. When the connection breaks it reconnects with backoff and fires
 * {@link ChangesMissed}, since notifications sent meanwhile are lost.</li>
 * </ul>
 * Payload: {@code <instance> <spaceID> <version>}; an instance ignores its own notifications.
 */
@ApplicationScoped
public class ChangeRelay {

    private final String instance = UUID.randomUUID().toString();
    private final Map<String, Long> outbox = new ConcurrentHashMap<>();
    private final AgroalDataSource dataSource;
    private final Event<SpaceChanged> spaceChanged;
    private final Event<ChangesMissed> changesMissed;
    private final RelayConfig config;
    private volatile boolean running;
    private volatile boolean listening;
    private Thread sender;
    private Thread listener;

    private final String jdbcUrl;
    private final Properties credentials = new Properties();

    ChangeRelay(AgroalDataSource dataSource, Event<SpaceChanged> spaceChanged, Event<ChangesMissed> changesMissed,
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
        this.changesMissed = changesMissed;
        this.config = config;
    }

    void start(@Observes StartupEvent startup) {
        if (!config.enabled()) {
            return;
        }
        running = true;
        sender = Thread.ofPlatform().daemon().name("replicache-relay-sender").start(this::sendLoop);
        listener = Thread.ofPlatform().daemon().name("replicache-relay-listener").start(this::listenLoop);
    }

    void stop(@Observes ShutdownEvent shutdown) {
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

    void committed(@Observes(during = TransactionPhase.AFTER_SUCCESS) SpaceChanged change) {
        if (running && !change.remote()) {
            outbox.merge(change.spaceID(), change.version(), Math::max);
            LockSupport.unpark(sender);
        }
    }

    private void sendLoop() {
        long failures = 0;
        while (running) {
            if (outbox.isEmpty()) {
                LockSupport.park(this);
                continue;
            }
            Map<String, Long> batch = Map.copyOf(outbox);
            batch.forEach((spaceID, version) -> outbox.remove(spaceID, version)); // only the versions sent: a newer one merged meanwhile stays queued
            try (Connection connection = dataSource.getConnection();
                    PreparedStatement notify = connection
                            .prepareStatement("SELECT pg_notify(?, x) FROM unnest(?::text[]) AS x")) {
                String[] payloads = batch.entrySet().stream()
                        .map(change -> instance + " " + change.getKey() + " " + change.getValue()).toArray(String[]::new);
                notify.setString(1, config.channel());
                notify.setArray(2, connection.createArrayOf("text", payloads));
                notify.execute();
                failures = 0;
            } catch (SQLException e) {
                batch.forEach((space, version) -> outbox.merge(space, version, Math::max));
                Log.warnf("Could not tell other machines of %d changed space(s), retrying: %s", batch.size(), e.getMessage());
                pause(++failures);
                continue;
            }
            waitOut(config.batchWindow()); // what commits meanwhile goes out with the next, outside the connection
        }
    }

    /** Waits the whole window: commits unpark the sender, and must not cut it short. */
    private void waitOut(Duration window) {
        long until = System.nanoTime() + window.toNanos();
        for (long left = window.toNanos(); running && left > 0; left = until - System.nanoTime()) {
            LockSupport.parkNanos(this, left);
        }
    }

    private void listenLoop() {
        long failures = 0;
        boolean missed = false;
        while (running) {
            try (Connection connection = DriverManager.getConnection(jdbcUrl, credentials)) {
                try (Statement statement = connection.createStatement()) {
                    statement.execute("LISTEN " + quoteIdentifier(config.channel()));
                }
                listening = true;
                failures = 0;
                if (missed) {
                    Log.info("Listening for other machines' changes again; checking every space served here");
                    changesMissed.fire(new ChangesMissed());
                }
                PGConnection postgres = connection.unwrap(PGConnection.class);
                while (running) {
                    PGNotification[] notifications = postgres.getNotifications((int) config.checkInterval().toMillis());
                    if (notifications == null || notifications.length == 0) {
                        try (Statement alive = connection.createStatement()) {
                            alive.execute("SELECT 1");
                        }
                        continue;
                    }
                    for (PGNotification notification : notifications) {
                        deliver(notification.getParameter());
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

    private void deliver(String payload) {
        String[] parts = payload.split(" ");
        if (parts.length != 3 || parts[0].equals(instance)) {
            return;
        }
        try {
            spaceChanged.fire(new SpaceChanged(parts[1], Long.parseLong(parts[2]), true));
        } catch (NumberFormatException e) {
            Log.warnf("Ignored a malformed change notification: %s", LogSafe.of(payload));
        } catch (RuntimeException e) {
            Log.errorf(LogSafe.failure(e), "Delivering a change of space %s failed", LogSafe.of(parts[1]));
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
