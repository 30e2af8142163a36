package io.github.replicachequarkus.relay;

import java.time.Duration;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/**
 * Telling the other machines of a deployment about committed changes, and about their rooms (presence, broadcasts),
 * through PostgreSQL LISTEN/NOTIFY.
 */
@ConfigMapping(prefix = "replicache.relay")
public interface RelayConfig {

    /** Whether changes are relayed between machines at all (one machine alone needs no relay). */
    @WithDefault("true")
    boolean enabled();

    /** The PostgreSQL channel the machines of one deployment share. */
    @WithDefault("replicache_changes")
    String channel();

    /** The PostgreSQL channel for room messages (presence, broadcasts, heartbeats) of one deployment's machines. */
    @WithDefault("replicache_rooms")
    String roomsChannel();

    /** How often a machine tells the others it is alive, on the rooms channel, when it has had nothing else to say. */
    @WithDefault("3s")
    Duration heartbeatInterval();

    /**
     * A machine not heard from for this long is taken for dead: its clients' presence goes from every room. Keep it
     * well above the heartbeat interval.
     */
    @WithDefault("10s")
    Duration heartbeatExpiry();

    /**
     * The shortest time between two announcements: changes committed meanwhile go out together, in one NOTIFY
     * transaction, at the price of this much delay for other machines' pokes. {@code 0}: announce each commit at once.
     */
    @WithDefault("5ms")
    Duration batchWindow();

    /** How long the listener waits for notifications before checking its connection is alive. */
    @WithDefault("10s")
    Duration checkInterval();

    /** The longest wait between attempts to reconnect the listener after the database went away. */
    @WithDefault("5s")
    Duration maxReconnectDelay();
}
