package io.github.replicachequarkus.room;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Executor;

import io.github.replicachequarkus.LogSafe;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.quarkus.logging.Log;
import io.quarkus.runtime.annotations.RegisterForReflection;
import io.quarkus.websockets.next.WebSocketConnection;
import io.quarkus.websockets.next.runtime.WebSocketConnectionBase;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.http.WebSocketBase;
import io.vertx.core.http.WebSocketFrameType;
import io.vertx.core.http.impl.WebSocketInternal;
import io.vertx.core.http.impl.ws.WebSocketFrameImpl;
import io.vertx.core.impl.ContextInternal;
import io.vertx.ext.web.impl.ServerWebSocketWrapper;

/**
 * How frames reach one socket, and on which event loop: the hot path of a room's fan-out, where one change becomes a
 * frame for each of thousands of sockets.
 * <p>
 * {@link WebSocketConnection#sendText} builds a Mutiny {@code Uni} per frame, with context propagation around it and a
 * {@code CompletionStage} under it, encodes the text to UTF-8 for each socket, and from a worker thread hands each frame
 * to the socket's event loop as a task of its own. Vert.x's own {@link WebSocketBase#writeFrame} is lighter, but still
 * takes the connection's lock, builds a Vert.x future, and has Netty encode the frame's header and copy its payload for
 * each socket. Measured on a room of 1,000 sockets, that machinery cost about as much server CPU as the system calls
 * that write the frames. So a wire writes a {@link Frame} encoded once, header and all, whose bytes every socket it goes
 * to shares, straight to the connection's Netty channel, when it runs on that channel's event loop (a room hands each
 * event loop one task that writes to all of that loop's sockets: {@link #loop}). Off the loop it goes through Vert.x's
 * socket, which orders the write and the connection's closing under the connection's lock: on the loop, nothing else
 * runs between the wire's look at whether the socket is closing and its write.
 * <p>
 * websockets-next keeps its Vert.x socket behind a package-private accessor, and vertx-web wraps Vert.x's socket, whose
 * channel it keeps in a private field; a wire reaches both by reflection, once per socket. Should an upgrade move
 * either, every wire falls back to the next slower path (through the Vert.x socket, then through {@code sendText}: as
 * correct) and the log says so once at start; {@code SocketWireTest} fails on a fallback, so an upgrade that moves them
 * is noticed.
 */
@RegisterForReflection(targets = { WebSocketConnectionBase.class, ServerWebSocketWrapper.class }, methods = true, fields = true)
final class SocketWire {

    /** {@code WebSocketConnectionBase.webSocket()}; null when this Quarkus has no such accessor. */
    private static final MethodHandle VERTX_SOCKET = vertxSocketAccessor();
    /** The Vert.x socket that vertx-web's {@link ServerWebSocketWrapper} wraps; null when it has no such field. */
    private static final MethodHandle WRAPPED_SOCKET = wrappedSocketAccessor();

    private final WebSocketConnection connection;
    /** The connection's Vert.x socket; null on the slowest path. */
    private final WebSocketBase socket;
    /** The Netty channel under it, where its frames go (as bytes) from its event loop; null on the slower paths. */
    private final ChannelHandlerContext channel;
    /** Runs a task on the connection's event loop. */
    private final Executor loop;

    private SocketWire(WebSocketConnection connection, WebSocketBase socket, ChannelHandlerContext channel, Executor loop) {
        this.connection = connection;
        this.socket = socket;
        this.channel = channel;
        this.loop = loop;
    }

    /**
     * The wire of a connection; call it on a thread running one of the connection's callbacks (its Vert.x context is
     * the current one there).
     */
    static SocketWire of(WebSocketConnection connection) {
        Context context = Vertx.currentContext();
        Executor loop = context instanceof ContextInternal internal ? internal.nettyEventLoop() : Runnable::run;
        WebSocketBase socket = vertxSocket(connection);
        return new SocketWire(connection, socket, channel(socket), loop);
    }

    /** Whether frames written on the event loop go straight to the Netty channel (false: through a slower path). */
    boolean direct() {
        return channel != null;
    }

    /**
     * The event loop the connection's frames are written on: a room groups its sockets by it, and writes from there,
     * where a write is not handed to another thread.
     */
    Executor loop() {
        return loop;
    }

    /** Writes a text frame; {@code written} runs when it was written or failed to be (with the failure, or null). */
    void write(Frame frame, Written written) {
        if (channel != null && channel.executor().inEventLoop() && !socket.isClosed()) {
            channel.writeAndFlush(Unpooled.wrappedBuffer(frame.encoded())).addListener(done -> written.done(done.cause()));
        } else if (socket != null) {
            socket.writeFrame(new WebSocketFrameImpl(WebSocketFrameType.TEXT, frame.payload(), true))
                    .onComplete(result -> written.done(result.cause()));
        } else {
            connection.sendText(frame.text()).subscribe().with(done -> written.done(null), written::done);
        }
    }

    /**
     * Writes a text frame from the connection's event loop, where its bytes encoded once go straight to the channel:
     * from another thread, the write is handed to the loop. {@code written} runs as with {@link #write}.
     */
    void writeOnLoop(Frame frame, Written written) {
        if (channel != null && !channel.executor().inEventLoop()) {
            loop.execute(() -> write(frame, written));
        } else {
            write(frame, written);
        }
    }

    /** What runs when a frame was written, or failed to be. */
    @FunctionalInterface
    interface Written {
        /** @param failure why the frame was not written; null when it was */
        void done(Throwable failure);
    }

    /**
     * A text frame's content, shared by every socket it goes to, and encoded once (frames only read it). Until it is
     * encoded it holds its text; from then on only the frame as it goes on the wire, from which the text is read back
     * when a slower path needs it: a frame that many sockets or a kept patch hold costs its size once, not once per form.
     */
    static final class Frame {

        /** The first byte of a whole text frame: the last (and only) fragment of a message, of type text. */
        private static final int FINAL_TEXT = 0x81;

        private final int length;
        /** Its text, until {@link #encoded} is set; then null. */
        private volatile String text;
        private volatile byte[] encoded;

        Frame(String text) {
            this.text = text;
            this.length = text.length();
        }

        String text() {
            String held = text;
            if (held != null) {
                return held;
            }
            byte[] frame = encoded; // set before the text was let go of
            int header = headerLength(frame);
            return new String(frame, header, frame.length - header, StandardCharsets.UTF_8);
        }

        /** Characters, as counted against a socket's queue of broadcasts. */
        int length() {
            return length;
        }

        /** Its UTF-8 payload, without the frame's header: a view of {@link #encoded}. */
        ByteBuf payload() {
            byte[] frame = encoded();
            int header = headerLength(frame);
            return Unpooled.wrappedBuffer(frame, header, frame.length - header);
        }

        /**
         * The whole frame as it goes on the wire from a server (RFC 6455, section 5.2: unmasked, one fragment), header
         * and UTF-8 payload, encoded once (sockets only read it).
         */
        byte[] encoded() {
            byte[] frame = encoded;
            if (frame == null) {
                String held = text;
                if (held == null) {
                    return encoded; // another thread encoded it between the two reads
                }
                frame = frame(held.getBytes(StandardCharsets.UTF_8));
                encoded = frame; // racing encoders produce equal arrays: either may stay
                text = null;
            }
            return frame;
        }

        private static int headerLength(byte[] frame) {
            int length = frame[1] & 0x7F;
            return length < 126 ? 2 : length == 126 ? 4 : 10;
        }

        private static byte[] frame(byte[] payload) {
            int length = payload.length;
            int header = length < 126 ? 2 : length <= 0xFFFF ? 4 : 10;
            byte[] frame = new byte[header + length];
            frame[0] = (byte) FINAL_TEXT;
            if (header == 2) {
                frame[1] = (byte) length;
            } else if (header == 4) {
                frame[1] = 126;
                frame[2] = (byte) (length >>> 8);
                frame[3] = (byte) length;
            } else {
                frame[1] = 127;
                for (int i = 0; i < 8; i++) {
                    frame[2 + i] = (byte) ((long) length >>> (56 - 8 * i));
                }
            }
            System.arraycopy(payload, 0, frame, header, length);
            return frame;
        }
    }

    private static WebSocketBase vertxSocket(WebSocketConnection connection) {
        if (VERTX_SOCKET == null || !(connection instanceof WebSocketConnectionBase)) {
            return null;
        }
        try {
            return (WebSocketBase) VERTX_SOCKET.invoke(connection);
        } catch (Throwable e) {
            Log.debugf("No Vert.x socket behind connection %s: %s", connection.id(), LogSafe.of(e.getMessage()));
            return null;
        }
    }

    /** The Netty channel under a Vert.x socket; null when out of reach. */
    private static ChannelHandlerContext channel(WebSocketBase socket) {
        WebSocketBase unwrapped = socket;
        if (socket instanceof ServerWebSocketWrapper && WRAPPED_SOCKET != null) {
            try {
                unwrapped = (WebSocketBase) WRAPPED_SOCKET.invoke(socket);
            } catch (Throwable e) {
                Log.debugf("No Vert.x socket inside %s: %s", socket, LogSafe.of(e.getMessage()));
                return null;
            }
        }
        return unwrapped instanceof WebSocketInternal internal ? internal.channelHandlerContext() : null;
    }

    private static MethodHandle vertxSocketAccessor() {
        try {
            var accessor = WebSocketConnectionBase.class.getDeclaredMethod("webSocket");
            accessor.setAccessible(true);
            return MethodHandles.lookup().unreflect(accessor)
                    .asType(MethodType.methodType(WebSocketBase.class, WebSocketConnection.class));
        } catch (ReflectiveOperationException | RuntimeException e) {
            Log.infof("Room frames go through websockets-next's sendText: its Vert.x socket is out of reach (%s)",
                    LogSafe.of(e.toString()));
            return null;
        }
    }

    private static MethodHandle wrappedSocketAccessor() {
        try {
            var field = ServerWebSocketWrapper.class.getDeclaredField("delegate");
            field.setAccessible(true);
            return MethodHandles.lookup().unreflectGetter(field)
                    .asType(MethodType.methodType(WebSocketBase.class, WebSocketBase.class));
        } catch (ReflectiveOperationException | RuntimeException e) {
            Log.infof("Room frames go through Vert.x's socket: its Netty channel is out of reach (%s)",
                    LogSafe.of(e.toString()));
            return null;
        }
    }
}
