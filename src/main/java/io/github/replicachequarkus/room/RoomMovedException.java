package io.github.replicachequarkus.room;

/** A socket's room is hosted by another machine: it is closed with 4010, and its client reconnects at once. */
class RoomMovedException extends RuntimeException {

    RoomMovedException(String message) {
        super(message, null, false, false);
    }
}
