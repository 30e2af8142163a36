package io.github.replicachequarkus.routing;

import java.time.Duration;
import java.util.Optional;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import io.smallrye.config.WithName;

/** Placing rooms on machines and sending every socket of a room to its machine with {@code fly-replay}. */
@ConfigMapping(prefix = "replicache.routing")
public interface RoutingConfig {

    /** This machine's id; routing is on when it is set. On Fly it comes from {@code FLY_MACHINE_ID}. */
    @WithName("machine-id")
    @WithDefault("${FLY_MACHINE_ID:}")
    Optional<String> machineID();

    /** The Fly app this machine belongs to ({@code FLY_APP_NAME}): machines of one app share the rooms. */
    @WithDefault("${FLY_APP_NAME:replicache}")
    String app();

    /** This machine's region ({@code FLY_REGION}). */
    @WithDefault("${FLY_REGION:local}")
    String region();

    /** {@code serve}: host rooms; {@code router}: never host rooms, only send sockets to the backend app's machines. */
    @WithDefault("serve")
    Mode mode();

    /** In router mode, the Fly app whose machines host the rooms. */
    Optional<String> backendApp();

    /**
     * The secret that signs the {@code state} of a replay ({@code REPLICACHE_ROUTING_REPLAY_SECRET}); required when
     * routing is on, and the same on every machine of the deployment. It must be random and at least 32 bytes: make
     * it with {@code openssl rand -hex 32}. Whoever knows it can send any socket to any machine, past the placement
     * (not past the token check: the machine still checks the socket's token). The application refuses to start
     * with a shorter one.
     */
    Optional<String> replaySecret();

    /** How long a signed replay state stays valid. */
    @WithDefault("30s")
    Duration replayStateTtl();

    /** How often a machine tells the database it is alive. */
    @WithDefault("3s")
    Duration heartbeatInterval();

    /** A machine whose last heartbeat is older than this is dead, and its rooms are placed again. */
    @WithDefault("10s")
    Duration heartbeatExpiry();

    /**
     * A placement of a space that has no data (no row in {@code space}) and whose room has no socket on its machine (or
     * whose machine is gone) is removed by the housekeeping once it is this old. The housekeeping runs every
     * {@code replicache.gc.interval}.
     */
    @WithDefault("1h")
    Duration unusedPlacementAge();

    enum Mode {
        SERVE,
        ROUTER
    }
}
