package io.github.replicachequarkus.room;

import io.quarkus.websockets.next.HandshakeRequest;

/**
 * Which machine hosts a space's room, asked when a socket's first authorised hello is about to put it in its room on
 * this machine. Routing implements it (rooms must not know about machines); without routing every room is here.
 */
public interface RoomPlacement {

    /**
     * Whether the socket may join the space's room on this machine: true when the room is placed here, or was not
     * placed (or its machine is gone) and has just been placed here; false when it belongs on another machine, and the
     * socket must go there.
     *
     * @param upgrade the socket's upgrade request, as it reached this machine
     */
    boolean claim(String spaceID, HandshakeRequest upgrade);

    /**
     * Whether one space's sockets may be on several machines at once, so that its presence and broadcasts must reach
     * the other machines. Not when each room lives on one machine (routing on): then they stay on it.
     */
    default boolean roomsSpanMachines() {
        return true;
    }
}
