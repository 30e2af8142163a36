package io.github.replicachequarkus.room;

/** A socket the room (or this machine) has no place for: it is closed with 1013, try again later. */
class RoomFullException extends RuntimeException {

    RoomFullException(String message) {
        super(message, null, false, false);
    }
}
