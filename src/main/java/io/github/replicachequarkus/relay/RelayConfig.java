package io.github.replicachequarkus.relay;

import java.time.Duration;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/** Telling the other machines of a deployment about committed changes, through PostgreSQL LISTEN/NOTIFY. */
@ConfigMapping(prefix = "replicache.relay")
public interface RelayConfig {

    /** Whether changes are relayed between machines at all (one machine alone needs no relay). */
    @WithDefault("true")
    boolean enabled();

    /** The PostgreSQL channel the machines of one deployment share. */
    @WithDefault("replicache_changes")
    String channel();

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
