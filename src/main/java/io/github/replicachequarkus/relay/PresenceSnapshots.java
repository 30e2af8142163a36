package io.github.replicachequarkus.relay;

/**
 * Where the relay gets this machine's presence snapshot when another machine asks for it (it joined, or missed
 * messages): implemented by the rooms.
 */
public interface PresenceSnapshots {

    /**
     * Every presence entry of this machine's own sockets, as the body of a {@link RoomMessage.Kind#SNAPSHOT}: a JSON
     * object whose keys are space ids and whose values are lists of {@code {"clientID","userID","state"}}.
     */
    String snapshot();
}
