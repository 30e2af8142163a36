package io.github.replicachequarkus.room;

import io.quarkus.websockets.next.CloseReason;

/** The close codes of a room (docs/protocol.md, section Close codes). */
final class CloseCodes {

    static final CloseReason BAD_HELLO = new CloseReason(4400, "bad hello");
    static final CloseReason BAD_SPACE = new CloseReason(4400, "invalid space id");
    /** No authorised hello within {@code replicache.room.hello-timeout} of opening. */
    static final CloseReason NO_HELLO = new CloseReason(4400, "no hello in time");
    /** Nothing heard from the client, not even a pong, within {@code replicache.room.idle-timeout}. */
    static final CloseReason SILENT = new CloseReason(1001, "nothing heard from the client in time");
    static final CloseReason TOKEN_EXPIRED = new CloseReason(4401, "token expired");
    static final CloseReason TOO_MANY_MESSAGES = new CloseReason(4008, "too many messages");
    static final CloseReason MESSAGE_TOO_BIG = new CloseReason(4009, "message too big");
    /** Changes this socket has not seen can no longer be sent as changes: it reconnects at once and says hello. */
    static final CloseReason HISTORY_PURGED = new CloseReason(4010, "say hello again: old deletes were purged");
    /** The room is hosted by another machine: the client reconnects at once, and is sent there. */
    static final CloseReason ROOM_MOVED = new CloseReason(4010, "the room is on another machine");
    /** This machine drains before it stops and gave up its rooms: the client reconnects at once, and is sent on. */
    static final CloseReason MACHINE_DRAINING = new CloseReason(4010, "the room moved to another machine");
    /** This machine stops, and no other takes its rooms (routing is off): the client reconnects when it is back. */
    static final CloseReason SHUTTING_DOWN = new CloseReason(1001, "the server is shutting down");
    /** The app's backend closed the room's sockets (the server API): the client reconnects at once and says hello. */
    static final CloseReason CLOSED_BY_SERVER = new CloseReason(4010, "the server closed the room's sockets: reconnect");
    /** The space does not exist, or was deleted: the client does not reconnect. */
    static final CloseReason SPACE_DELETED = new CloseReason(4404, "the space does not exist");
    /** Credentials missing, invalid or expired: the client fetches new ones and connects again. */
    static final int NOT_AUTHENTICATED = 4401;
    /** Valid credentials without access to the space. */
    static final int FORBIDDEN = 4403;
    /** The standard "try again later": the room or the machine is full. */
    static final int TRY_AGAIN_LATER = 1013;

    private CloseCodes() {
    }
}
