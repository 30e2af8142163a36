package io.github.replicachequarkus.room;

import io.quarkus.runtime.configuration.MemorySize;
import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/** Rooms: one WebSocket room per space. */
@ConfigMapping(prefix = "replicache.room")
public interface RoomConfig {

    /** Largest frame a client may send (a push over the socket); a larger one closes the socket with 4009. */
    @WithDefault("4M")
    MemorySize maxMessageSize();

    /** Messages a socket may send per second, on average; more closes it with 4008. */
    @WithDefault("50")
    int maxMessagesPerSecond();

    /** Sockets one room may hold here; a newcomer beyond it is closed with 1013 (try again later), the others stay. */
    @WithDefault("5000")
    int maxSocketsPerRoom();

    /** Rooms this machine may hold; a socket for a new room beyond it is closed with 1013 (try again later). */
    @WithDefault("10000")
    int maxRooms();

    /** Messages a socket may send in one burst above that rate. */
    @WithDefault("100")
    int messageBurst();
}
