package io.github.replicachequarkus.room;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.event.TransactionPhase;

import org.eclipse.microprofile.context.ManagedExecutor;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.github.replicachequarkus.LogSafe;
import io.github.replicachequarkus.auth.Caller;
import io.github.replicachequarkus.relay.ChangesMissed;
import io.github.replicachequarkus.relay.MachineGone;
import io.github.replicachequarkus.relay.PresenceSnapshots;
import io.github.replicachequarkus.relay.Relay;
import io.github.replicachequarkus.relay.RoomMessage;
import io.github.replicachequarkus.relay.SpaceChanged;
import io.github.replicachequarkus.store.ClientGroups;
import io.github.replicachequarkus.sync.RateLimit;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.quarkus.logging.Log;
import io.quarkus.websockets.next.CloseReason;
import io.quarkus.websockets.next.WebSocketConnection;
import io.vertx.core.Vertx;

/**
 * The rooms of this machine, by space. A room exists while it has sockets, or presence of its own sockets in their
 * grace after closing. Every committed change of a space (here, or on another machine through the relay) schedules a
 * broadcast pass of its room.
 * <p>
 * With routing off, presence and broadcasts reach the space's sockets on other machines through the {@link Relay}.
 * What those machines hold is kept here by space ({@code elsewhere}), whether or not this machine has a room for it,
 * so that a room made later starts with it. Both that and a room's presence change only inside {@code rooms.compute}
 * of their space.
 */
@ApplicationScoped
public class Rooms implements PresenceSnapshots {

    /** The close code of a socket closed without one: its connection broke. */
    private static final int NO_CODE = 1005;

    private final Map<String, Room> rooms = new ConcurrentHashMap<>();
    /** Presence entries of the other machines' sockets, by space and client; each map is replaced, never changed. */
    private final Map<String, Map<String, Presence.Entry>> elsewhere = new ConcurrentHashMap<>();
    /** Every open socket of this machine, in a room or not yet. */
    private final Set<Member> sockets = ConcurrentHashMap.newKeySet();
    /** Open sockets per client address, and sockets in rooms per user. */
    private final Map<String, Integer> perAddress = new ConcurrentHashMap<>();
    private final Map<String, Integer> perUser = new ConcurrentHashMap<>();
    private final AtomicBoolean sweeping = new AtomicBoolean();
    private final Vertx vertx;
    private final ChangeReader changes;
    private final ManagedExecutor executor;
    private final ObjectMapper mapper;
    private final RoomConfig config;
    private final RoomPlacement placement;
    private final Relay relay;
    private final Timer pokeLatency;
    private final Counter pokesWritten;
    private final Counter presenceUpdates;
    private final Counter presenceFrames;
    private final Counter broadcasts;

    Rooms(ChangeReader changes, ManagedExecutor executor, ObjectMapper mapper, RoomConfig config, MeterRegistry metrics,
            Vertx vertx, RoomPlacement placement, Relay relay) {
        this.relay = relay;
        this.changes = changes;
        this.placement = placement;
        this.vertx = vertx;
        this.executor = executor;
        this.mapper = mapper;
        this.config = config;
        this.pokeLatency = Timer.builder("replicache.poke.latency")
                .description("From this machine hearing of a change to the poke that carries it written to a socket"
                        + " (a sample of each broadcast's pokes)")
                .publishPercentiles(0.5, 0.99).register(metrics);
        this.pokesWritten = Counter.builder("replicache.pokes").description("Pokes written to this machine's room sockets")
                .register(metrics);
        this.presenceUpdates = Counter.builder("replicache.presence.updates")
                .description("Presence states the clients of this machine's sockets set").register(metrics);
        this.presenceFrames = Counter.builder("replicache.presence.frames")
                .description("Presence frames sent to this machine's sockets (coalesced: at most one per interval each)")
                .register(metrics);
        this.broadcasts = Counter.builder("replicache.broadcasts")
                .description("Broadcasts the clients of this machine's sockets sent").register(metrics);
        Gauge.builder("replicache.rooms", rooms, Map::size).description("Rooms with sockets on this machine")
                .register(metrics);
        Gauge.builder("replicache.sockets", this, Rooms::socketCount).description("Open room sockets on this machine")
                .register(metrics);
    }

    private int socketCount() {
        return rooms.values().stream().mapToInt(Room::size).sum();
    }

    /**
     * A socket opened: it is counted against its address's limit, but takes no place in a room until its hello is
     * authorised ({@link #join}). Until then, and whenever its client falls silent, {@link #sweep} closes it in time.
     *
     * @throws RoomFullException when its address holds as many sockets as it may
     */
    Member admit(String spaceID, WebSocketConnection connection, String address) {
        if (!increment(perAddress, address, config.maxSocketsPerAddress())) {
            throw new RoomFullException("too many sockets from one address; try again later");
        }
        Member member = new Member(connection, SocketWire.of(connection), spaceID, address, mapper,
                new RateLimit(config.maxMessagesPerSecond(), config.messageBurst()), config.writeTimeout());
        sockets.add(member);
        startSweeping();
        return member;
    }

    /**
     * Puts the socket, whose hello the caller's credentials authorised, in its space's room, creating the room if
     * needed; nothing happens when it is in already. The room is claimed for this machine first ({@link RoomPlacement}):
     * with routing on, it may be hosted by another machine, or not be placed yet.
     *
     * @throws RoomMovedException when another machine hosts the room
     * @throws RoomFullException when the room, this machine, or the user's sockets are at their limit
     */
    void join(Member member, Caller caller) {
        if (member.room() != null) {
            return;
        }
        if (!placement.claim(member.spaceID(), member.connection().handshakeRequest())) {
            throw new RoomMovedException("the room is on another machine: reconnect");
        }
        String user = caller.userID().filter(id -> !id.isEmpty()).orElse(null);
        if (user != null && !increment(perUser, user, config.maxSocketsPerUser())) {
            throw new RoomFullException("this user holds as many sockets as they may; try again later");
        }
        try {
            rooms.compute(member.spaceID(), (id, room) -> {
                if (room == null && rooms.size() >= config.maxRooms()) {
                    throw new RoomFullException("this machine holds as many rooms as it may; try again later");
                }
                if (room != null && room.size() >= config.maxSocketsPerRoom()) {
                    throw new RoomFullException("the room is full; try again later");
                }
                Room target = room == null ? newRoom(id) : room;
                target.add(member);
                member.joined(target, user);
                return target;
            });
        } catch (RoomFullException e) {
            if (user != null) {
                decrement(perUser, user);
            }
            throw e;
        }
    }

    /** A room for the space, with the presence other machines hold in it. */
    private Room newRoom(String spaceID) {
        Room room = new Room(spaceID, changes, executor, pokeLatency, pokesWritten, this::presence);
        Map<String, List<Presence.Change>> byMachine = new HashMap<>();
        elsewhere.getOrDefault(spaceID, Map.of()).values().forEach(entry -> byMachine
                .computeIfAbsent((String) entry.owner(), machine -> new ArrayList<>()).add(entry.asChange()));
        byMachine.forEach((machine, entries) -> room.presence().relayed(machine, entries));
        return room;
    }

    private RoomPresence presence(String spaceID, Supplier<Collection<Member>> members) {
        return new RoomPresence(members, mapper, (delay, task) -> vertx.setTimer(delay, timer -> task.run()), executor,
                Math.max(1, config.presenceInterval().toMillis()), presenceFrames::increment,
                changes -> {
                    if (placement.roomsSpanMachines()) {
                        relay.sendPresence(spaceID, changes);
                    }
                });
    }

    /** The socket's client shows this state to the others in its room ({@code null}: clears it). */
    void setPresence(Member member, JsonNode state) {
        presenceUpdates.increment();
        member.room().presence().set(member, member.clientID(), userID(member), state);
    }

    /** Sends the socket's client's event to the others in its room. */
    void broadcast(Member member, JsonNode event) {
        broadcasts.increment();
        String text = "{\"message\":\"broadcast\",\"clientID\":" + Frames.text(mapper, member.clientID())
                + ",\"userID\":" + Frames.text(mapper, userID(member)) + ",\"event\":" + Frames.text(mapper, event) + "}";
        member.room().broadcast(member, text);
        if (placement.roomsSpanMachines()) {
            relay.sendBroadcast(member.spaceID(), text);
        }
    }

    /** The socket said hello and was answered: it is in its room's presence from now on. */
    void present(Member member) {
        Room room = member.room();
        if (room != null) {
            room.presence().joined(member, member.clientID(), userID(member));
        }
    }

    /** Everyone present in the space's room, on this machine and on the others. */
    List<Presence.Entry> presentIn(String spaceID) {
        Room room = rooms.get(spaceID);
        return room != null ? room.presence().present() : List.copyOf(elsewhere.getOrDefault(spaceID, Map.of()).values());
    }

    /** The user a socket's presence and broadcasts are shown under: its caller's, empty in open mode. */
    private static String userID(Member member) {
        Caller caller = member.caller();
        return caller == null ? "" : caller.userID().orElse("");
    }

    /**
     * The socket closed: it leaves its room (a room without sockets is gone) and its counts. Its client's presence goes
     * at once when the client closed it, or after {@code replicache.room.presence-grace} when the connection broke or
     * the server sent it elsewhere: a client that reconnects in that time keeps its entry, and the others see no
     * leave and join.
     */
    void leave(Member member, CloseReason reason) {
        Room room = member.room();
        String clientID = member.clientID();
        leave(member);
        if (room == null || clientID == null) {
            return;
        }
        if (reconnects(reason)) {
            vertx.setTimer(Math.max(1, config.presenceGrace().toMillis()), timer -> {
                room.presence().left(member, clientID);
                retireIfUnused(room);
            });
        } else {
            room.presence().left(member, clientID);
            retireIfUnused(room);
        }
    }

    /** The room is gone once it has neither sockets nor its own sockets' presence in their grace. */
    private void retireIfUnused(Room room) {
        rooms.computeIfPresent(room.spaceID(),
                (id, current) -> current == room && current.isEmpty() && !current.presence().holdsLocal() ? null : current);
    }

    /**
     * Whether the client will likely be back soon on another socket: the connection ended without a close code (it
     * broke: 1005, or 1006), or the server sent the client elsewhere (4010). A client that closes its socket on purpose
     * gives a code (a page that goes away: 1001).
     */
    private static boolean reconnects(CloseReason reason) {
        int code = reason == null ? NO_CODE : reason.getCode();
        return code == NO_CODE || code == CloseReason.ABNORMAL.getCode() || code == CloseCodes.ROOM_MOVED.getCode();
    }

    /** The socket closed: it leaves its room (a room without sockets is gone) and its counts. */
    void leave(Member member) {
        member.cancelExpiry();
        if (!sockets.remove(member)) {
            return;
        }
        decrement(perAddress, member.address());
        Room room = member.room();
        if (room != null) {
            rooms.computeIfPresent(member.spaceID(), (id, current) -> {
                current.remove(member);
                return current.isEmpty() && !current.presence().holdsLocal() ? null : current;
            });
            if (member.user() != null) {
                decrement(perUser, member.user());
            }
        }
    }

    /**
     * Closes the sockets that have not said an authorised hello within {@code replicache.room.hello-timeout} of
     * opening (with 4400), and those whose client was silent, not even answering pings, for
     * {@code replicache.room.idle-timeout} (with 1001).
     */
    void sweep() {
        long now = System.nanoTime();
        long helloTimeout = config.helloTimeout().toNanos();
        long idleTimeout = config.idleTimeout().toNanos();
        for (Member member : sockets) {
            if (member.closing()) {
                continue;
            }
            if (member.room() == null && member.openFor(now) > helloTimeout) {
                Log.debugf("Closing socket %s of space %s: no hello in time", member.connection().id(), member.spaceID());
                member.close(CloseCodes.NO_HELLO);
            } else if (member.silentFor(now) > idleTimeout) {
                Log.debugf("Closing socket %s of space %s: its client is silent", member.connection().id(),
                        member.spaceID());
                member.close(CloseCodes.SILENT);
            }
        }
    }

    private void startSweeping() {
        if (sweeping.compareAndSet(false, true)) {
            long every = Math.max(100, Math.min(config.helloTimeout().toMillis(), config.idleTimeout().toMillis()) / 4);
            // A pass looks at every socket of the machine: on a worker, never on an event loop, one pass at a time.
            AtomicBoolean running = new AtomicBoolean();
            vertx.setPeriodic(every, timer -> {
                if (running.compareAndSet(false, true)) {
                    executor.execute(() -> {
                        try {
                            sweep();
                        } finally {
                            running.set(false);
                        }
                    });
                }
            });
        }
    }

    /** Adds one to the key's count unless it is at the limit; false when it is. */
    private static boolean increment(Map<String, Integer> counts, String key, int limit) {
        boolean[] added = { false };
        counts.compute(key, (k, count) -> {
            int now = count == null ? 0 : count;
            if (now >= limit) {
                return count;
            }
            added[0] = true;
            return now + 1;
        });
        return added[0];
    }

    private static void decrement(Map<String, Integer> counts, String key) {
        counts.computeIfPresent(key, (k, count) -> count <= 1 ? null : count - 1);
    }

    /** The number of sockets in each room of this machine. */
    public Map<String, Integer> sockets() {
        Map<String, Integer> sockets = new TreeMap<>();
        rooms.forEach((spaceID, room) -> sockets.put(spaceID, room.size()));
        return sockets;
    }

    /** Each client group with a socket on this machine, with the lowest cookie among its sockets. */
    public Map<ClientGroups.Group, Long> connectedGroups() {
        Map<ClientGroups.Group, Long> groups = new HashMap<>();
        rooms.forEach((spaceID, room) -> room.connectedGroups(
                (clientGroupID, cookie) -> groups.merge(new ClientGroups.Group(spaceID, clientGroupID), cookie, Math::min)));
        return groups;
    }

    /**
     * Closes every socket of this machine with 4010, as its rooms moved to other machines (it drains); returns how
     * many. Their clients reconnect at once and are sent where the rooms are now.
     */
    public int closeAllMoved() {
        return closeAll(CloseCodes.MACHINE_DRAINING);
    }

    /** Closes every socket of this machine with 1001, as it shuts down with no other to take its rooms; how many. */
    public int closeAllShuttingDown() {
        return closeAll(CloseCodes.SHUTTING_DOWN);
    }

    private int closeAll(CloseReason closeReason) {
        int closed = 0;
        for (Room room : rooms.values()) {
            closed += room.closeAll(closeReason);
        }
        for (Member member : sockets) {
            if (member.room() == null && member.startClosing()) { // not in a room yet: no hello
                member.connection().close(closeReason).subscribe().with(done -> {
                }, failure -> Log.debugf("Closing socket %s failed: %s", member.connection().id(),
                        LogSafe.of(failure.getMessage())));
                closed++;
            }
        }
        return closed;
    }

    void spaceChanged(@Observes(during = TransactionPhase.AFTER_SUCCESS) SpaceChanged change) {
        Room room = rooms.get(change.spaceID());
        if (room != null) {
            room.changed(change.version());
        }
    }

    void changesMissed(@Observes ChangesMissed missed) {
        rooms.values().forEach(Room::resync);
    }

    /** Another machine's presence changes, snapshot or broadcast (on the relay's listener thread). */
    void relayed(@Observes RoomMessage message) {
        switch (message.kind()) {
            case PRESENCE -> {
                List<Presence.Change> changes = RelayedPresence.changes(mapper, message.body(), message.machine());
                if (changes != null) {
                    applyElsewhere(message.spaceID(), message.machine(), changes, false);
                }
            }
            case SNAPSHOT -> {
                Map<String, List<Presence.Change>> snapshot = RelayedPresence.snapshot(mapper, message.body(),
                        message.machine());
                if (snapshot != null) {
                    replaceElsewhere(message.machine(), snapshot);
                }
            }
            case BROADCAST -> {
                Room room = rooms.get(message.spaceID());
                if (room != null) {
                    room.broadcast(null, message.body());
                }
            }
            default -> {
                // the relay's own
            }
        }
    }

    /** Another machine is gone: its clients' presence goes from every room. */
    void machineGone(@Observes MachineGone gone) {
        replaceElsewhere(gone.machine(), Map.of());
    }

    /** All the machine holds is the snapshot now, in every space. */
    private void replaceElsewhere(String machine, Map<String, List<Presence.Change>> snapshot) {
        Set<String> spaces = new HashSet<>(snapshot.keySet());
        elsewhere.forEach((spaceID, entries) -> {
            if (entries.values().stream().anyMatch(entry -> machine.equals(entry.owner()))) {
                spaces.add(spaceID);
            }
        });
        for (String spaceID : spaces) {
            applyElsewhere(spaceID, machine, snapshot.getOrDefault(spaceID, List.of()), true);
        }
    }

    /**
     * Applies the machine's changes in the space (or, {@code whole}, all it holds there) to what is known of the other
     * machines, and to the room if this machine has one.
     */
    private void applyElsewhere(String spaceID, String machine, List<Presence.Change> changes, boolean whole) {
        rooms.compute(spaceID, (id, room) -> {
            Map<String, Presence.Entry> entries = new LinkedHashMap<>(elsewhere.getOrDefault(id, Map.of()));
            if (whole) {
                Set<String> kept = new HashSet<>();
                changes.forEach(change -> kept.add(change.clientID()));
                entries.values().removeIf(entry -> machine.equals(entry.owner()) && !kept.contains(entry.clientID()));
            }
            for (Presence.Change change : changes) {
                Presence.Entry previous = entries.get(change.clientID());
                if (change.state() == null) {
                    if (previous != null && machine.equals(previous.owner())) {
                        entries.remove(change.clientID());
                    }
                } else if (previous == null || previous.userID().equals(change.userID())) {
                    entries.put(change.clientID(), new Presence.Entry(change.clientID(), change.userID(), change.state(),
                            machine));
                }
            }
            if (entries.isEmpty()) {
                elsewhere.remove(id);
            } else {
                elsewhere.put(id, Collections.unmodifiableMap(entries));
            }
            if (room != null) {
                if (whole) {
                    room.presence().replace(machine, changes);
                } else {
                    room.presence().relayed(machine, changes);
                }
            }
            return room;
        });
    }

    /** Every entry of this machine's own sockets, by space, for a machine that asked (see {@link Relay}). */
    @Override
    public String snapshot() {
        StringBuilder snapshot = new StringBuilder("{");
        rooms.forEach((spaceID, room) -> {
            List<String> entries = room.presence().localEntries();
            if (!entries.isEmpty()) {
                snapshot.append(snapshot.length() > 1 ? "," : "").append(Frames.text(mapper, spaceID)).append(":[")
                        .append(String.join(",", entries)).append(']');
            }
        });
        return snapshot.append('}').toString();
    }

    /** Whether this machine has a room for the space. */
    public boolean hosts(String spaceID) {
        return rooms.containsKey(spaceID);
    }

    /** The rooms of this machine. */
    public int roomCount() {
        return rooms.size();
    }

    /** The sockets in the rooms of this machine. */
    public int roomSockets() {
        return socketCount();
    }

    /** A client present in a room, with the state it shows the others. */
    public record PresentClient(String clientID, String userID, JsonNode state) {
    }

    /** Everyone present in the space's room, as this machine knows it (see {@link #presentIn}). */
    public List<PresentClient> present(String spaceID) {
        return presentIn(spaceID).stream().map(entry -> new PresentClient(entry.clientID(), entry.userID(), entry.state()))
                .toList();
    }

    /** The sockets of the space's room on this machine that said hello, by client group. */
    public Map<String, Integer> socketsByGroup(String spaceID) {
        Map<String, Integer> groups = new HashMap<>();
        for (Member member : sockets) {
            String clientGroupID = member.clientGroupID();
            if (member.spaceID().equals(spaceID) && member.room() != null && clientGroupID != null) {
                groups.merge(clientGroupID, 1, Integer::sum);
            }
        }
        return groups;
    }

    /**
     * Closes every socket of the space's room on this machine with 4010, so that their clients reconnect at once, and
     * tells the other machines to close theirs; returns how many closed here. Blocks while the close frames go out: call
     * it off the event loop.
     */
    public int closeRoom(String spaceID) {
        relay.sendClose(spaceID);
        return closeHere(spaceID);
    }

    private int closeHere(String spaceID) {
        Room room = rooms.get(spaceID);
        int closed = room == null ? 0 : room.closeAll(CloseCodes.CLOSED_BY_SERVER);
        if (closed > 0) {
            Log.infof("Closed %d socket(s) of space %s for the app's backend", closed, LogSafe.of(spaceID));
        }
        return closed;
    }

    /** Another machine closed a room's sockets: this machine closes its own, on a worker (never the relay's thread). */
    void closeRelayed(@Observes RoomMessage message) {
        if (message.kind() == RoomMessage.Kind.CLOSE) {
            executor.execute(() -> closeHere(message.spaceID()));
        }
    }
}
