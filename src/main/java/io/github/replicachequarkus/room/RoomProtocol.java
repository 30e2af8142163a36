package io.github.replicachequarkus.room;

import java.nio.charset.StandardCharsets;
import java.util.List;

import jakarta.enterprise.context.ApplicationScoped;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.github.replicachequarkus.auth.Access;
import io.github.replicachequarkus.auth.Caller;
import io.github.replicachequarkus.auth.ForbiddenException;
import io.github.replicachequarkus.auth.SpaceAccess;
import io.github.replicachequarkus.protocol.InvalidRequestException;
import io.github.replicachequarkus.protocol.ProtocolError;
import io.github.replicachequarkus.protocol.PullRequest;
import io.github.replicachequarkus.protocol.PushRequest;
import io.github.replicachequarkus.sync.PullService;
import io.github.replicachequarkus.sync.PushService;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.vertx.core.Vertx;

/**
 * What a room does with a client's frame: {@code hello} (answered with a poke from the client's cookie), {@code push}
 * (applied exactly like an HTTP push; everyone, this socket included, then hears of it through a poke) and
 * {@code pull} (answered with a pull reply). A hello's and a pull's cookie are treated exactly like an HTTP pull's.
 * <p>
 * The hello authenticates the socket (its {@code auth}, or the {@code auth} query parameter) and needs read access;
 * only then does the socket join its room (and count against the room's and the user's limits). Pushes need write
 * access: a read-only socket's push gets an error frame and nothing is applied.
 */
@ApplicationScoped
class RoomProtocol {

    private final PushService pushes;
    private final PullService pulls;
    private final ObjectMapper mapper;
    private final SpaceAccess access;
    private final Vertx vertx;
    private final Rooms rooms;
    private final RoomConfig config;

    RoomProtocol(PushService pushes, PullService pulls, ObjectMapper mapper, SpaceAccess access, Vertx vertx,
            Rooms rooms, RoomConfig config) {
        this.rooms = rooms;
        this.config = config;
        this.pushes = pushes;
        this.pulls = pulls;
        this.mapper = mapper;
        this.access = access;
        this.vertx = vertx;
    }

    void handle(String spaceID, Member member, String text) {
        JsonNode frame;
        try {
            frame = mapper.readTree(text);
        } catch (JsonProcessingException e) {
            throw new BadFrameException("InvalidFrame", "the frame is not valid JSON", false);
        }
        if (frame == null || !frame.isObject()) {
            throw new BadFrameException("InvalidFrame", "a frame must be a JSON object", false);
        }
        String type = frame.path("messageType").isTextual() ? frame.get("messageType").textValue()
                : frame.has("pushVersion") && !frame.has("messageType") ? "push" : null;
        switch (type == null ? "" : type) {
            case "hello" -> hello(spaceID, member, frame);
            case "push" -> push(spaceID, member, frame);
            case "pull" -> pull(spaceID, member, frame);
            case "presence" -> presence(member, frame);
            case "broadcast" -> broadcast(member, frame);
            default -> throw new BadFrameException("UnknownMessage",
                    "messageType must be \"hello\", \"push\", \"pull\", \"presence\" or \"broadcast\"", false);
        }
    }

    private void hello(String spaceID, Member member, JsonNode frame) {
        String clientID = helloID(frame, "clientID");
        String clientGroupID = helloID(frame, "clientGroupID");
        JsonNode auth = frame.get("auth");
        if (auth != null && !auth.isNull() && !auth.isTextual()) {
            throw new BadFrameException("BadHello", "a hello's auth must be a string", true);
        }
        Caller caller = access.require(auth != null && auth.isTextual() ? auth.textValue() : queryAuth(member),
                spaceID, Access.READ);
        Caller before = member.caller();
        if (before != null && !before.userID().equals(caller.userID())) {
            throw new ForbiddenException("a socket's user cannot change: open a new socket");
        }
        rooms.join(member, caller);
        member.authenticate(caller, vertx);
        member.identify(clientID, clientGroupID);
        JsonNode cookie = frame.get("cookie");
        String base = Frames.text(mapper, Member.cookieNode(cookie));
        answer(spaceID, member, new PullRequest(1, clientGroupID, cookie, null, null), null, true,
                Member.ReplyFrame.hello(base));
        rooms.present(member);
    }

    /** The client's presence state: a JSON object, or null to clear it; shown to the others in the room. */
    private void presence(Member member, JsonNode frame) {
        requireHello(member, "setting presence");
        JsonNode state = frame.get("state");
        if (state == null || !(state.isObject() || state.isNull())) {
            throw new BadFrameException("InvalidPresence", "a presence frame's state must be a JSON object or null",
                    false);
        }
        requireAtMost(state, config.maxPresenceSize().asLongValue(), "presence state");
        rooms.setPresence(member, state.isNull() ? null : state);
    }

    /** An event for the others in the room, any JSON; nothing of it is kept. */
    private void broadcast(Member member, JsonNode frame) {
        requireHello(member, "broadcasting");
        JsonNode event = frame.get("event");
        if (event == null) {
            throw new BadFrameException("InvalidBroadcast", "a broadcast frame needs an event", false);
        }
        requireAtMost(event, config.maxBroadcastSize().asLongValue(), "broadcast event");
        rooms.broadcast(member, event);
    }

    private static void requireHello(Member member, String what) {
        if (member.room() == null || member.clientID() == null) {
            throw new BadFrameException("HelloFirst", "send a hello before " + what, false);
        }
    }

    private void requireAtMost(JsonNode value, long maxBytes, String what) {
        int bytes = Frames.text(mapper, value).getBytes(StandardCharsets.UTF_8).length;
        if (bytes > maxBytes) {
            throw new BadFrameException("TooBig",
                    "the %s is %d bytes of JSON, more than the %d allowed".formatted(what, bytes, maxBytes), false);
        }
    }

    private void push(String spaceID, Member member, JsonNode frame) {
        PushRequest request;
        try {
            request = mapper.treeToValue(frame, PushRequest.class);
        } catch (JsonProcessingException e) {
            throw new InvalidRequestException("InvalidRequest", "the push has a field of the wrong type or shape");
        }
        Caller caller = member.caller() != null ? member.caller() : access.authenticate(queryAuth(member));
        try {
            SpaceAccess.check(caller, spaceID, Access.WRITE);
        } catch (ForbiddenException e) {
            member.send(Frames.Error.of("Forbidden", e.getMessage()));
            return; // a read-only socket stays open, and nothing of its push is applied
        }
        ProtocolError error = pushes.push(spaceID, request, caller);
        if (error != null) {
            member.send(error(error, null));
        }
    }

    private void pull(String spaceID, Member member, JsonNode frame) {
        String clientGroupID = member.clientGroupID();
        String requestID = frame.path("requestID").isValueNode() ? frame.get("requestID").asText() : null;
        if (clientGroupID == null) {
            throw new BadFrameException("HelloFirst", "send a hello before pulling", false);
        }
        String id = Frames.text(mapper, requestID);
        answer(spaceID, member, new PullRequest(1, clientGroupID, frame.get("cookie"), null, null), requestID, false,
                Member.ReplyFrame.pull(id));
    }

    /**
     * Answers a hello ({@code hello}) or a pull frame with {@code reply}'s frames. No poke goes to the socket from before
     * its snapshot is read until the reply is sent: a poke sent in between would carry a newer cookie than the reply's.
     */
    private void answer(String spaceID, Member member, PullRequest request, String requestID, boolean hello,
            Member.ReplyFrame reply) {
        Caller caller = member.caller();
        boolean mayWrite = caller.accessTo(spaceID).allows(Access.WRITE);
        member.startReply();
        try {
            // Hellos come in storms (a room's sockets reconnecting after a deploy): those alike share their reads.
            switch (hello ? pulls.pullTogether(spaceID, request, mayWrite, caller.userID())
                    : pulls.pull(spaceID, request, mayWrite, caller.userID())) {
                case PullService.Pulled pulled -> member.reply(pulled, reply);
                case PullService.Refused<?> refused -> member.send(error(refused.error(), requestID));
            }
        } finally {
            member.endReply();
        }
    }

    /** The {@code auth} query parameter of the socket's upgrade request, if any. */
    private static String queryAuth(Member member) {
        String query = member.connection().handshakeRequest().query();
        if (query == null || query.isEmpty()) {
            return null;
        }
        List<String> values = new QueryStringDecoder(query, false).parameters().get("auth");
        return values == null || values.isEmpty() ? null : values.get(0);
    }

    private static String helloID(JsonNode frame, String field) {
        JsonNode value = frame.get(field);
        if (value == null || !value.isTextual() || !PushRequest.isID(value.textValue())) {
            throw new BadFrameException("BadHello", "a hello needs " + field + " (a non-empty string of Unicode text)",
                    true);
        }
        return value.textValue();
    }

    private static Frames.Error error(ProtocolError error, String requestID) {
        return new Frames.Error("error", error.error(), null, error.versionType(), requestID);
    }
}
