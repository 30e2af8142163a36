package io.github.replicachequarkus.room;

import java.time.Duration;
import java.util.Optional;

import io.quarkus.runtime.configuration.MemorySize;
import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/** Rooms: one WebSocket room per space. */
@ConfigMapping(prefix = "replicache.room")
public interface RoomConfig {

    /**
     * Largest frame a client may send (a push over the socket); a larger one closes the socket with 4009. Given in
     * bytes: {@code application.properties} hands the same value to the transport
     * ({@code quarkus.websockets-next.server.max-message-size}), which then never buffers more.
     */
    @WithDefault("4M")
    MemorySize maxMessageSize();

    /**
     * Messages a socket may send per second, on average (presence updates and broadcasts count); more closes it with
     * 4008. The default leaves room for 60 presence updates a second beside a client's pushes and pulls.
     */
    @WithDefault("100")
    int maxMessagesPerSecond();

    /** Sockets one room may hold here; a newcomer beyond it is closed with 1013 (try again later), the others stay. */
    @WithDefault("5000")
    int maxSocketsPerRoom();

    /** Rooms this machine may hold; a socket for a new room beyond it is closed with 1013 (try again later). */
    @WithDefault("10000")
    int maxRooms();

    /** Messages a socket may send in one burst above that rate. */
    @WithDefault("200")
    int messageBurst();

    /**
     * Largest frame a socket may send before its hello is authorised (the hello itself, with its token, must fit); a
     * larger one closes the socket with 4009.
     */
    @WithDefault("16K")
    MemorySize maxHelloSize();

    /** A socket that has not said an authorised hello this long after opening is closed with 4400. */
    @WithDefault("10s")
    Duration helloTimeout();

    /**
     * A socket from which nothing came for this long (no frame, no pong to the server's pings, which go out every
     * {@code quarkus.websockets-next.server.auto-ping-interval}) is closed with 1001: its client is gone.
     */
    @WithDefault("50s")
    Duration idleTimeout();

    /**
     * How long a client may take to read each part of a hello's or pull's reply (about 256 KB) before its socket is
     * closed with 1001: until then the part waits in direct memory, and the socket's messages wait behind it.
     */
    @WithDefault("30s")
    Duration writeTimeout();

    /** Sockets one user (a token's {@code sub}) may hold on this machine; more are closed with 1013. */
    @WithDefault("100")
    int maxSocketsPerUser();

    /**
     * Sockets one client address may hold open on this machine, whether they said hello or not; more are closed with
     * 1013. Many people behind one network address (an office) count as one.
     */
    @WithDefault("100")
    int maxSocketsPerAddress();

    /**
     * The request header that carries the client's address when a trusted proxy sets it ({@code Fly-Client-IP} on
     * Fly); without it, the connection's remote address. Set it only behind a proxy that always sets the header, or
     * clients could choose their own address.
     */
    Optional<String> clientAddressHeader();

    /** At most one presence frame per socket per this interval: updates within it coalesce, the latest state wins. */
    @WithDefault("16ms")
    Duration presenceInterval();

    /** Largest presence state a client may set (its JSON); a larger one gets an error frame and changes nothing. */
    @WithDefault("4K")
    MemorySize maxPresenceSize();

    /** Largest broadcast event (its JSON); a larger one gets an error frame and goes to nobody. */
    @WithDefault("64K")
    MemorySize maxBroadcastSize();

    /**
     * How long a client's presence outlives a socket that broke or was sent to another machine: a reconnect within
     * it keeps the entry, and the others see no leave and join. A socket its client closed leaves at once.
     */
    @WithDefault("2s")
    Duration presenceGrace();
}
