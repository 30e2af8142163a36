package io.github.replicachequarkus.room;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.reflect.Proxy;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.github.replicachequarkus.room.Presence.Change;
import io.github.replicachequarkus.sync.RateLimit;
import io.quarkus.websockets.next.WebSocketConnection;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.subscription.UniEmitter;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.impl.ContextInternal;
import io.vertx.core.impl.VertxInternal;

/**
 * A room's presence without a server: sockets whose writes complete when the test says, flushes when the test runs
 * the interval's timer.
 */
class RoomPresenceTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final List<Member> members = new ArrayList<>();
    private final Map<Member, Socket> sockets = new HashMap<>();
    private final List<Runnable> timers = new ArrayList<>();
    private final List<List<String>> relayed = new ArrayList<>();
    /** An interval no test waits out: every flush after the first waits for {@link #interval}. */
    private final RoomPresence presence = new RoomPresence(() -> members, JSON, (delay, task) -> timers.add(task),
            Runnable::run, 3_600_000, frames -> {
            }, relayed::add);

    /** A socket's frames, and the writes not completed yet. */
    private static final class Socket {
        final List<String> frames = new ArrayList<>();
        final List<UniEmitter<? super Void>> writing = new ArrayList<>();

        /** Completes the writes under way. */
        void written() {
            List<UniEmitter<? super Void>> done = new ArrayList<>(writing);
            writing.clear();
            done.forEach(write -> write.complete(null));
        }

        /** The clients and states of its last frame, a {@code present} one. */
        List<Object> present() throws Exception {
            JsonNode frame = JSON.readTree(frames.get(frames.size() - 1));
            List<Object> present = new ArrayList<>();
            frame.get("present").forEach(entry -> present.add(entry.get("clientID").asText() + "=" + entry.get("state")));
            return present;
        }

        List<Object> lastChanges() throws Exception {
            JsonNode frame = JSON.readTree(frames.get(frames.size() - 1));
            List<Object> changes = new ArrayList<>();
            frame.get("changes").forEach(change -> changes.add(change.get("clientID").asText() + "=" + change.get("state")));
            return changes;
        }
    }

    /** The room's first flush runs at once; the test's flushes all wait for the interval. */
    @BeforeEach
    void firstFlush() {
        presence.relayed("earlier", List.of(new Change("e", "", state(0), "earlier")));
        presence.replace("earlier", List.of());
        interval();
    }

    @Test
    void eachSocketGetsOneFrameAGenerationWithoutItsOwnClient() throws Exception {
        Member a = joined("a");
        Member b = joined("b");
        Member c = joined("c");
        sockets.values().forEach(Socket::written);
        presence.set(a, "a", "", state(1));
        presence.set(b, "b", "", state(2));
        presence.set(a, "a", "", state(3));
        interval();

        assertEquals(List.of("b={\"x\":2}"), socket(a).lastChanges());
        assertEquals(List.of("a={\"x\":3}"), socket(b).lastChanges());
        assertEquals(List.of("a={\"x\":3}", "b={\"x\":2}"), socket(c).lastChanges());
        sockets.values().forEach(socket -> assertEquals(2, socket.frames.size(), "present, then one changes frame"));
    }

    @Test
    void aSocketStillWritingSkipsGenerationsThenGetsTheLatestOfEachInOneFrame() throws Exception {
        Member a = joined("a");
        Member b = joined("b");
        Member slow = joined("slow");
        socket(a).written();
        socket(b).written();
        // slow's present frame is still being written

        presence.set(a, "a", "", state(1));
        interval();
        socket(a).written();
        socket(b).written();
        presence.set(a, "a", "", state(2));
        presence.set(b, "b", "", state(5));
        interval();
        assertEquals(1, socket(slow).frames.size(), "nothing more while its frame is being written");
        socket(a).written();
        socket(b).written();

        socket(slow).written();
        assertEquals(1, timers.size(), "the written frame schedules a flush for what it missed");
        presence.set(a, "a", "", state(3)); // a new generation too: the others get only it, the slow socket all
        interval();
        assertEquals(List.of("a={\"x\":3}", "b={\"x\":5}"), sorted(socket(slow).lastChanges()));
        assertEquals(2, socket(slow).frames.size());
        assertEquals(List.of("a={\"x\":3}"), socket(b).lastChanges());
    }

    @Test
    void socketsThatSkippedTheSameGenerationsAreToldTheSameWithoutTheirOwn() throws Exception {
        Member a = joined("a");
        Member b = joined("b");
        Member watcher = joined("w");
        presence.set(a, "a", "", state(1));
        presence.set(b, "b", "", state(2));
        interval(); // everyone's present frame is still being written: nobody gets this generation
        sockets.values().forEach(Socket::written);
        interval();

        assertEquals(List.of("b={\"x\":2}"), socket(a).lastChanges());
        assertEquals(List.of("a={\"x\":1}"), socket(b).lastChanges());
        assertEquals(List.of("a={\"x\":1}", "b={\"x\":2}"), sorted(socket(watcher).lastChanges()));
    }

    @Test
    void onlyThisMachinesOwnClientsGoToTheOtherMachines() throws Exception {
        Member a = joined("a");
        socket(a).written();
        presence.relayed("machine-b", List.of(new Change("far", "", state(7), "machine-b")));
        presence.set(a, "a", "", state(1));
        interval();

        assertEquals(List.of(List.of("{\"clientID\":\"a\",\"userID\":\"\",\"state\":{\"x\":1}}")), relayed);
        assertEquals(List.of("far={\"x\":7}"), socket(a).lastChanges(), "the other machine's client reaches the socket");
        assertTrue(presence.holdsLocal());

        presence.left(a, "a");
        presence.replace("machine-b", List.of());
        assertEquals(List.of(), presence.present());
    }

    @Test
    void joinersShareOnePresentFrameUntilWhoIsPresentOrWhatTheyShowChanges() throws Exception {
        Member a = joined("a");
        presence.set(a, "a", "", state(1));
        Member b = joined("b");
        presence.set(b, "b", "", state(2));
        SocketWire.Frame frame = presence.presentFrame();
        assertSame(frame, presence.presentFrame(), "nothing changed: the same frame, encoded once for every joiner");
        Member c = joined("c");
        assertEquals(List.of("a={\"x\":1}", "b={\"x\":2}"), socket(c).present());

        presence.set(b, "b", "", state(2)); // the same state again
        presence.joined(joined("a2"), "a", ""); // a reconnects on a new socket: only its entry's owner changes
        assertSame(frame, presence.presentFrame());

        presence.set(a, "a", "", state(3));
        Member d = joined("d");
        assertNotSame(frame, presence.presentFrame());
        assertEquals(List.of("a={\"x\":3}", "b={\"x\":2}"), socket(d).present(), "a's new state, b's as it was");

        presence.relayed("machine-b", List.of(new Change("far", "", state(7), "machine-b")));
        presence.set(b, "b", "", null);
        assertEquals(List.of("a={\"x\":3}", "far={\"x\":7}"), socket(joined("e")).present(),
                "another machine's client came, b cleared its state");
    }

    @Test
    void eachSocketIsWrittenFromItsOwnEventLoop() throws Exception {
        Vertx vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(2));
        try {
            List<Member> room = new CopyOnWriteArrayList<>();
            List<Runnable> flushes = new CopyOnWriteArrayList<>(); // the flushes that wait for an interval
            RoomPresence onLoops = new RoomPresence(() -> room, JSON, (delay, task) -> flushes.add(task), Runnable::run,
                    3_600_000, frames -> {
                    }, changes -> {
                    });
            Map<String, List<Boolean>> onOwnLoop = new ConcurrentHashMap<>();
            ContextInternal first = ((VertxInternal) vertx).createEventLoopContext();
            ContextInternal second = ((VertxInternal) vertx).createEventLoopContext();
            assertNotSame(first.nettyEventLoop(), second.nettyEventLoop(), "two loops, as a server has");
            for (String clientID : List.of("a", "b", "c", "d")) {
                ContextInternal context = clientID.compareTo("c") < 0 ? first : second;
                WebSocketConnection connection = (WebSocketConnection) Proxy.newProxyInstance(getClass().getClassLoader(),
                        new Class<?>[] { WebSocketConnection.class }, (proxy, method, args) -> switch (method.getName()) {
                            case "sendText" -> {
                                onLoops(onOwnLoop, clientID).add(context.nettyEventLoop().inEventLoop());
                                yield Uni.createFrom().voidItem();
                            }
                            case "id" -> clientID;
                            case "hashCode" -> System.identityHashCode(proxy);
                            case "equals" -> proxy == args[0];
                            default -> throw new UnsupportedOperationException(method.getName());
                        });
                CompletableFuture<SocketWire> wire = new CompletableFuture<>();
                context.runOnContext(unused -> wire.complete(SocketWire.of(connection)));
                Member member = new Member(connection, wire.get(5, TimeUnit.SECONDS), "space", "127.0.0.1", JSON,
                        new RateLimit(100, 200), Duration.ofSeconds(5));
                room.add(member);
                onLoops.joined(member, clientID, "");
            }
            await().atMost(Duration.ofSeconds(5)).until(() -> onOwnLoop.values().stream().mapToInt(List::size).sum() == 4
                    && room.stream().noneMatch(member -> member.presence().writing));

            onLoops.set(room.get(0), "a", "", state(1)); // the room's first change is flushed at once
            await().atMost(Duration.ofSeconds(5)).until(() -> onOwnLoop.values().stream().mapToInt(List::size).sum() == 7);

            assertEquals(List.of(true), onOwnLoop.get("a"), "a: its present frame, from its socket's loop");
            for (String clientID : List.of("b", "c", "d")) {
                assertEquals(List.of(true, true), onOwnLoop.get(clientID),
                        clientID + ": its present frame, then a's change, each from its socket's loop");
            }
            assertEquals(List.of(), flushes, "nothing else due");
        } finally {
            vertx.close().toCompletionStage().toCompletableFuture().get(5, TimeUnit.SECONDS);
        }
    }

    private static List<Boolean> onLoops(Map<String, List<Boolean>> onOwnLoop, String clientID) {
        return onOwnLoop.computeIfAbsent(clientID, unused -> new CopyOnWriteArrayList<>());
    }

    private Member joined(String clientID) {
        Socket socket = new Socket();
        WebSocketConnection connection = (WebSocketConnection) Proxy.newProxyInstance(getClass().getClassLoader(),
                new Class<?>[] { WebSocketConnection.class }, (proxy, method, args) -> switch (method.getName()) {
                    case "sendText" -> {
                        socket.frames.add((String) args[0]);
                        yield Uni.createFrom().<Void> emitter(socket.writing::add);
                    }
                    case "id" -> clientID;
                    case "hashCode" -> System.identityHashCode(proxy);
                    case "equals" -> proxy == args[0];
                    default -> throw new UnsupportedOperationException(method.getName());
                });
        Member member = new Member(connection, SocketWire.of(connection), "space", "127.0.0.1", JSON, new RateLimit(100, 200),
                Duration.ofSeconds(5));
        members.add(member);
        sockets.put(member, socket);
        presence.joined(member, clientID, "");
        return member;
    }

    private Socket socket(Member member) {
        return sockets.get(member);
    }

    /** The interval passes: the flush it waited for runs. */
    private void interval() {
        List<Runnable> due = new ArrayList<>(timers);
        timers.clear();
        due.forEach(Runnable::run);
    }

    private static List<Object> sorted(List<Object> changes) {
        return changes.stream().sorted((x, y) -> x.toString().compareTo(y.toString())).toList();
    }

    private static JsonNode state(int x) {
        return JSON.createObjectNode().put("x", x);
    }
}
