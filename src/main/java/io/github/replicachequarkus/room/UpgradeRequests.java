package io.github.replicachequarkus.room;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.ObservesAsync;

import io.github.replicachequarkus.LogSafe;
import io.quarkus.logging.Log;
import io.quarkus.runtime.annotations.RegisterForReflection;
import io.quarkus.vertx.http.runtime.filters.QuarkusRequestWrapper;
import io.quarkus.websockets.next.HttpUpgradeCheck;
import io.quarkus.websockets.next.Open;
import io.quarkus.websockets.next.UserData;
import io.quarkus.websockets.next.WebSocketConnection;
import io.smallrye.mutiny.Uni;

/**
 * Tells Quarkus's graceful shutdown that a socket's HTTP request is over once the socket is open.
 * <p>
 * Quarkus counts the HTTP requests in flight, and a shutdown waits up to {@code quarkus.shutdown.timeout} for the count
 * to reach zero. It takes a request as over when its response ends, or its connection closes while it is answered. A
 * request upgraded to a WebSocket does neither: the handshake answers it outside its response, and the connection
 * that closes later belongs to the socket by then. So every socket ever opened stayed in the count, and a machine that
 * had served any waited the whole timeout before it exited, though its drain ({@code routing.MachineLifecycle}) had
 * closed every socket. A socket's life is the room's to end; its request is over when it opens.
 * <p>
 * Quarkus keeps the method that ends a request's count package-private ({@code QuarkusRequestWrapper.done}, which only
 * acts once per request): it is reached by reflection, once at start. Should an upgrade of Quarkus move it, shutdowns
 * wait as they did before, the log says so once at start, and {@code FlySimulationIT}, which times a drained machine's
 * exit, fails.
 */
@ApplicationScoped
@RegisterForReflection(targets = QuarkusRequestWrapper.class, methods = true)
public class UpgradeRequests implements HttpUpgradeCheck {

    /** The upgrade's request, from its check to its socket's opening. */
    private static final UserData.TypedKey<QuarkusRequestWrapper> REQUEST = new UserData.TypedKey<>(
            "replicache.upgrade-request");

    /** {@code QuarkusRequestWrapper.done()}; null when this Quarkus has no such method. */
    private static final MethodHandle DONE = doneAccessor();

    @Override
    public Uni<CheckResult> perform(HttpUpgradeContext context) {
        if (DONE != null) {
            try {
                context.userData().put(REQUEST, QuarkusRequestWrapper.get(context.httpRequest()));
            } catch (RuntimeException e) {
                Log.debugf("No Quarkus request wrapper behind an upgrade: %s", LogSafe.of(e.toString()));
            }
        }
        return CheckResult.permitUpgrade();
    }

    /** Once the socket is open, its request is over: nothing of it is left to wait for at shutdown. */
    void opened(@ObservesAsync @Open WebSocketConnection connection) {
        QuarkusRequestWrapper request = connection.userData().remove(REQUEST);
        if (request == null) {
            return;
        }
        try {
            DONE.invoke(request);
        } catch (Throwable e) {
            Log.debugf("Could not count socket %s's request as over: %s", connection.id(), LogSafe.of(e.toString()));
        }
    }

    private static MethodHandle doneAccessor() {
        try {
            var done = QuarkusRequestWrapper.class.getDeclaredMethod("done");
            done.setAccessible(true);
            return MethodHandles.lookup().unreflect(done)
                    .asType(MethodType.methodType(void.class, QuarkusRequestWrapper.class));
        } catch (ReflectiveOperationException | RuntimeException e) {
            Log.infof("A shutdown after sockets were open waits the whole quarkus.shutdown.timeout: Quarkus's count of "
                    + "requests in flight is out of reach (%s)", LogSafe.of(e.toString()));
            return null;
        }
    }
}
