package io.github.replicachequarkus.room;

import io.quarkus.websockets.next.CloseReason;

/** The close codes of a room (PROTOCOL.md section 5). */
final class CloseCodes {

    static final CloseReason BAD_HELLO = new CloseReason(4400, "bad hello");
    static final CloseReason BAD_SPACE = new CloseReason(4400, "invalid space id");
    static final CloseReason TOO_MANY_MESSAGES = new CloseReason(4008, "too many messages");
    static final CloseReason MESSAGE_TOO_BIG = new CloseReason(4009, "message too big");
    /** The standard "try again later": the room or the machine is full. */
    static final int TRY_AGAIN_LATER = 1013;

    private CloseCodes() {
    }
}
