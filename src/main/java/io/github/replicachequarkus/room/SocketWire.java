package io.github.replicachequarkus.room;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Executor;

import io.github.replicachequarkus.LogSafe;
import io.quarkus.logging.Log;
import io.quarkus.runtime.annotations.RegisterForReflection;
import io.quarkus.websockets.next.WebSocketConnection;
import io.quarkus.websockets.next.runtime.WebSocketConnectionBase;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.http.WebSocketBase;
import io.vertx.core.http.WebSocketFrameType;
import io.vertx.core.http.impl.ws.WebSocketFrameImpl;
import io.vertx.core.impl.ContextInternal;

/**
 * How frames reach one socket, and on which event loop: the hot path of a room's fan-out, where one change becomes a
 * frame for each of thousands of sockets.
 * <p>
 * {@link WebSocketConnection#sendText} builds a Mutiny {@code Uni} per frame, with context propagation around it and a
 * {@code CompletionStage} under it, encodes the text to UTF-8 for each socket, and from a worker thread hands each frame
 * to the socket's event loop as a task of its own. Measured on a room of 1,000 sockets, that machinery cost more server
 * CPU than writing the frames. A wire writes to the connection's Vert.x {@link WebSocketBase} instead: a {@link Frame}
 * is encoded once and its bytes shared by every socket it goes to, and a room hands each event loop one task that writes
 * to all of that loop's sockets ({@link #loop}).
 * <p>
 * websockets-next keeps its Vert.x socket behind a package-private accessor; a wire reaches it by reflection, once per
 * socket. Should a Quarkus upgrade move it, every wire falls back to {@code sendText} (slower, as correct) and the log
 * says so once at start; {@code SocketWireTest} fails on that fallback, so an upgrade that moves it is noticed.
 */
@RegisterForReflection(targets = WebSocketConnectionBase.class, methods = true, fields = false)
final class SocketWire {

    /** {@code WebSocketConnectionBase.webSocket()}; null when this Quarkus has no such accessor. */
    private static final MethodHandle VERTX_SOCKET = vertxSocketAccessor();

    private final WebSocketConnection connection;
    /** The connection's Vert.x socket; null on the fallback path. */
    private final WebSocketBase socket;
    /** Runs a task on the connection's event loop. */
    private final Executor loop;

    private SocketWire(WebSocketConnection connection, WebSocketBase socket, Executor loop) {
        this.connection = connection;
        this.socket = socket;
        this.loop = loop;
    }

    /**
     * The wire of a connection; call it on a thread running one of the connection's callbacks (its Vert.x context is
     * the current one there).
     */
    static SocketWire of(WebSocketConnection connection) {
        Context context = Vertx.currentContext();
        Executor loop = context instanceof ContextInternal internal ? internal.nettyEventLoop() : Runnable::run;
        return new SocketWire(connection, vertxSocket(connection), loop);
    }

    /** Whether frames go straight to the Vert.x socket (false: through {@code sendText}). */
    boolean direct() {
        return socket != null;
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
        if (socket == null) {
            connection.sendText(frame.text()).subscribe().with(done -> written.done(null), written::done);
            return;
        }
        socket.writeFrame(new WebSocketFrameImpl(WebSocketFrameType.TEXT, frame.bytes(), true))
                .onComplete(result -> written.done(result.cause()));
    }

    /** What runs when a frame was written, or failed to be. */
    @FunctionalInterface
    interface Written {
        /** @param failure why the frame was not written; null when it was */
        void done(Throwable failure);
    }

    /**
     * A text frame's content, shared by every socket it goes to: its text, and the text's UTF-8 bytes, encoded once
     * (frames only read them).
     */
    static final class Frame {

        private final String text;
        private volatile byte[] bytes;

        Frame(String text) {
            this.text = text;
        }

        String text() {
            return text;
        }

        /** Characters, as counted against a socket's queue of broadcasts. */
        int length() {
            return text.length();
        }

        byte[] bytes() {
            byte[] encoded = bytes;
            if (encoded == null) {
                encoded = text.getBytes(StandardCharsets.UTF_8);
                bytes = encoded; // racing encoders produce equal arrays: either may stay
            }
            return encoded;
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
}
