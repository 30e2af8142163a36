package io.github.replicachequarkus.room;

import java.nio.charset.StandardCharsets;

import io.github.replicachequarkus.LogSafe;
import io.github.replicachequarkus.auth.ForbiddenException;
import io.github.replicachequarkus.auth.NotAuthenticatedException;
import io.github.replicachequarkus.protocol.InvalidRequestException;
import io.github.replicachequarkus.protocol.SpaceId;
import io.github.replicachequarkus.store.Faults;
import io.github.replicachequarkus.sync.BusyException;
import io.quarkus.logging.Log;
import io.quarkus.websockets.next.CloseReason;
import io.quarkus.websockets.next.OnClose;
import io.quarkus.websockets.next.OnError;
import io.quarkus.websockets.next.OnOpen;
import io.quarkus.websockets.next.OnPongMessage;
import io.quarkus.websockets.next.OnTextMessage;
import io.quarkus.websockets.next.UserData.TypedKey;
import io.quarkus.websockets.next.WebSocket;
import io.quarkus.websockets.next.WebSocketConnection;
import io.smallrye.common.annotation.NonBlocking;
import io.vertx.core.buffer.Buffer;

/**
 * A space's room: {@code /api/replicache/websocket/{spaceID}}. Messages of one socket are handled one after the
 * other, on worker threads (they touch the database), never on the event loop. An opening socket and a pong are
 * handled on the event loop, where they take a few map updates: a storm of connects leaves the workers to the hellos.
 */
@WebSocket(path = "/api/replicache/websocket/{spaceID}")
public class RoomSocket {

    private static final TypedKey<Member> MEMBER = new TypedKey<>("replicache.member");

    private final Rooms rooms;
    private final RoomProtocol protocol;
    private final RoomConfig config;

    RoomSocket(Rooms rooms, RoomProtocol protocol, RoomConfig config) {
        this.rooms = rooms;
        this.protocol = protocol;
        this.config = config;
    }

    @OnOpen
    @NonBlocking
    public void open(WebSocketConnection connection) {
        String spaceID = connection.pathParam("spaceID");
        if (!SpaceId.isValid(spaceID)) {
            connection.close(CloseCodes.BAD_SPACE).subscribe().with(closed -> {
            }, failure -> {
            });
            return;
        }
        Member member;
        try {
            member = rooms.admit(spaceID, connection, clientAddress(connection));
        } catch (RoomFullException e) {
            Log.debugf("Refused a socket for space %s: %s", spaceID, LogSafe.of(e.getMessage()));
            close(connection, new CloseReason(CloseCodes.TRY_AGAIN_LATER, e.getMessage()));
            return;
        }
        connection.userData().put(MEMBER, member);
        member.send(Frames.Greeting.HELLO);
    }

    @OnTextMessage
    public void message(WebSocketConnection connection, String text) {
        Member member = connection.userData().get(MEMBER);
        if (member == null || member.closing()) {
            return;
        }
        member.heard();
        // Until its hello is authorised, a socket may send only small frames: it has not shown who it is.
        long limit = member.room() == null ? config.maxHelloSize().asLongValue() : config.maxMessageSize().asLongValue();
        if (text.length() > limit || text.getBytes(StandardCharsets.UTF_8).length > limit) {
            close(connection, CloseCodes.MESSAGE_TOO_BIG);
            return;
        }
        if (!member.admit()) {
            close(connection, CloseCodes.TOO_MANY_MESSAGES);
            return;
        }
        protocol.handle(connection.pathParam("spaceID"), member, text);
    }

    /** The client answered a ping: it is still there. */
    @OnPongMessage
    @NonBlocking
    public void pong(WebSocketConnection connection, Buffer data) {
        Member member = connection.userData().get(MEMBER);
        if (member != null) {
            member.heard();
        }
    }

    @OnClose
    public void close(WebSocketConnection connection) {
        Member member = connection.userData().remove(MEMBER);
        if (member != null) {
            rooms.leave(member, connection.closeReason());
        }
    }

    @OnError
    public void full(RoomFullException e, WebSocketConnection connection) {
        refuse(connection, e, new CloseReason(CloseCodes.TRY_AGAIN_LATER, e.getMessage()));
    }

    @OnError
    public void moved(RoomMovedException e, WebSocketConnection connection) {
        refuse(connection, e, CloseCodes.ROOM_MOVED);
    }

    @OnError
    public void badFrame(BadFrameException e, WebSocketConnection connection) {
        if (e.fatal()) {
            refuse(connection, e, CloseCodes.BAD_HELLO);
        } else {
            reply(connection, Frames.Error.of(e.code(), e.getMessage()));
        }
    }

    @OnError
    public void notAuthenticated(NotAuthenticatedException e, WebSocketConnection connection) {
        refuse(connection, e, new CloseReason(CloseCodes.NOT_AUTHENTICATED, e.getMessage()));
    }

    @OnError
    public void forbidden(ForbiddenException e, WebSocketConnection connection) {
        refuse(connection, e, new CloseReason(CloseCodes.FORBIDDEN, e.getMessage()));
    }

    /** Closes the socket for what its client did: a debug line, as every refusal a client can cause at will. */
    private void refuse(WebSocketConnection connection, Exception why, CloseReason reason) {
        Log.debugf("Closing socket %s of space %s: %s", connection.id(), connection.pathParam("spaceID"),
                LogSafe.of(why.getMessage()));
        close(connection, reason);
    }

    /** A frame the server refuses gets an error frame; a space that does not exist (or was deleted) closes with 4404. */
    @OnError
    public void invalidRequest(InvalidRequestException e, WebSocketConnection connection) {
        if (e.status() == 404) {
            refuse(connection, e, CloseCodes.SPACE_DELETED);
            return;
        }
        reply(connection, Frames.Error.of(e.code(), e.getMessage()));
    }

    /** The push's lane has as much queued as it takes: nothing was applied, and the client pushes again later. */
    @OnError
    public void busy(BusyException e, WebSocketConnection connection) {
        reply(connection, Frames.Error.of("Busy", e.getMessage()));
    }

    @OnError
    public void failure(RuntimeException e, WebSocketConnection connection) {
        if (tooBigForTheTransport(e)) {
            Log.debugf("Closing socket %s of space %s: %s", connection.id(), connection.pathParam("spaceID"),
                    LogSafe.of(e.getMessage()));
            close(connection, CloseCodes.MESSAGE_TOO_BIG);
            return;
        }
        if (connection.isClosed()) {
            Log.debugf("Socket %s of space %s closed while a frame was handled: %s", connection.id(),
                    connection.pathParam("spaceID"), LogSafe.of(e.getMessage()));
            return;
        }
        if (Faults.isUnavailable(e) || Faults.isRace(e)) {
            Log.warnf("Socket %s of space %s: database unavailable: %s", connection.id(), connection.pathParam("spaceID"),
                    LogSafe.of(e.getMessage()));
            reply(connection, Frames.Error.of("Unavailable", "the database is unavailable or busy; try again"));
        } else {
            Log.errorf(LogSafe.failure(e), "Socket %s of space %s: handling a frame failed", connection.id(),
                    connection.pathParam("spaceID"));
            reply(connection, Frames.Error.of("InternalError", "the server failed to handle the frame"));
        }
    }

    /**
     * Vert.x refused a message over {@code quarkus.websockets-next.server.max-message-size} (the room's own limit) as
     * its fragments arrived, and says so only in the failure's text.
     */
    private static boolean tooBigForTheTransport(RuntimeException e) {
        return e instanceof IllegalStateException && String.valueOf(e.getMessage()).contains("max message size");
    }

    /** Where the socket comes from: the trusted proxy's header when one is configured and sent, else the peer. */
    private String clientAddress(WebSocketConnection connection) {
        String forwarded = config.clientAddressHeader().map(connection.handshakeRequest()::header).orElse(null);
        if (forwarded != null && !forwarded.isBlank()) {
            return forwarded.strip();
        }
        String remote = String.valueOf(connection.handshakeRequest().remoteAddress());
        int port = remote.lastIndexOf(':');
        String host = port > 0 && remote.substring(port + 1).chars().allMatch(Character::isDigit)
                ? remote.substring(0, port)
                : remote;
        return host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
    }

    private static void reply(WebSocketConnection connection, Frames.Error error) {
        Member member = connection.userData().get(MEMBER);
        if (member != null) {
            member.send(error);
        }
    }

    private static void close(WebSocketConnection connection, CloseReason reason) {
        Member member = connection.userData().get(MEMBER);
        if (member != null && !member.startClosing()) {
            return;
        }
        connection.close(reason).subscribe().with(closed -> {
        }, failure -> Log.debugf("Closing socket %s failed: %s", connection.id(), LogSafe.of(failure.getMessage())));
    }
}
