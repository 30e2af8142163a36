package io.github.replicachequarkus.bench;

import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.locks.LockSupport;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Many sockets in one room, each its client's cursor: every socket sends {@code bench.presence.rate} presence updates a
 * second, and a writer (a client group of its own) pushes {@code createTodo} over HTTP at {@code
 * bench.presence.push-rate} throughout. First a baseline without presence, then the presence load: its warm-up, then
 * the measured window.
 * <ul>
 * <li>Delivery latency: one sender in ten puts its send time ({@code System.nanoTime}, the harness's own clock) in its
 * state; one socket in ten notes when each such state reaches it (reading every frame of every socket for them would
 * take the harness more CPU than the server). Coalescing drops the states a later one overtook within
 * an interval, by design: only delivered states count.</li>
 * <li>Frames: the presence frames each socket gets a second, which the server's coalescing keeps to one per interval.</li>
 * <li>Pokes: the writer's changes' latency from the push's 200 to each socket's poke, without presence and under it.</li>
 * <li>Nothing lost: at the end every socket sends a last state, and every other socket must see it.</li>
 * </ul>
 */
final class PresenceLoad implements Scenario {

    /** The server's default {@code replicache.room.presence-interval}. */
    private static final double INTERVAL_MS = 16;
    private static final double TARGET_P99_MS = 50;
    private static final int SAMPLE_EVERY = 10;
    private static final Pattern SENT = Pattern.compile("\"s\":(\\d+)");
    private static final Pattern DONE = Pattern.compile("\"done\":(\\d+)");

    @Override
    public Result run(Target target, BenchOptions options) throws Exception {
        String space = Scenario.id("bench-presence");
        int count = options.presenceSockets();
        int rate = options.presenceRate();
        long baseline = options.duration().toNanos();
        long warmup = options.warmup().toNanos();
        long measured = options.duration().toNanos();
        int pushRate = options.presencePushRate();
        int changes = (int) Math.ceil(pushRate * Scenario.seconds(baseline + warmup + measured)) + 1;
        Watcher[] watchers = new Watcher[count];
        for (int i = 0; i < count; i++) {
            watchers[i] = new Watcher(changes, count, i % SAMPLE_EVERY == 0);
        }

        try (BenchSocket.Clients clients = new BenchSocket.Clients()) {
            BenchSocket.Opened opened = BenchSocket.openAll(clients, target, count, 64, i -> space, i -> watchers[i]);
            List<BenchSocket> sockets = opened.byIndex();
            long start = System.nanoTime();
            long presenceFrom = start + baseline;
            long windowFrom = presenceFrom + warmup;
            long windowTo = windowFrom + measured;
            for (Watcher watcher : watchers) {
                watcher.window(windowFrom, windowTo);
            }
            Writer writer = new Writer(target, space, pushRate, changes, start);
            Thread writing = Thread.ofPlatform().name("bench-presence-writer").start(writer);

            ProcessStats.CpuUse baselineCpu = new ProcessStats.CpuUse(target);
            sleepUntil(presenceFrom);
            Map<String, Object> baselineCores = baselineCpu.cores();
            long[] sent = new long[2]; // updates sent in the window, and skipped (the socket's previous still sending)
            ProcessStats.CpuUse[] windowCpu = new ProcessStats.CpuUse[1];
            sendPresence(sockets, rate, windowFrom, windowTo, sent, () -> windowCpu[0] = new ProcessStats.CpuUse(target));
            Map<String, Object> cores = windowCpu[0].cores();
            writer.stop();
            writing.join();

            // The last state of each socket: every other socket must see it.
            for (int i = 0; i < count; i++) {
                BenchSocket socket = sockets.get(i);
                if (socket != null) {
                    while (socket.isOpen()
                            && !socket.trySend("{\"messageType\":\"presence\",\"state\":{\"done\":" + i + "}}")) {
                        Thread.onSpinWait();
                    }
                }
            }
            long missingLast = awaitLastStates(sockets, watchers);

            Latencies delivery = new Latencies();
            long frames = 0;
            double maxFramesPerSecond = 0;
            int closed = 0;
            for (int i = 0; i < count; i++) {
                if (sockets.get(i) == null) {
                    continue;
                }
                delivery.addAll(watchers[i].latencies);
                frames += watchers[i].frames;
                maxFramesPerSecond = Math.max(maxFramesPerSecond, watchers[i].frames / Scenario.seconds(measured));
                if (!sockets.get(i).isOpen()) {
                    closed++;
                }
            }
            Latencies pokesBefore = new Latencies();
            Latencies pokesDuring = new Latencies();
            long missedPokes = writer.pokeLatencies(watchers, sockets, start + 1_000_000_000L, presenceFrom, pokesBefore,
                    windowFrom, windowTo, pokesDuring);
            opened.sockets().forEach(BenchSocket::close);

            int socketsOpen = opened.sockets().size();
            double seconds = Scenario.seconds(measured);
            double framesPerSocket = socketsOpen == 0 ? 0 : frames / (double) socketsOpen / seconds;
            double limit = 1000 / INTERVAL_MS;
            double serverCores = cores.get("server") instanceof Number n ? n.doubleValue() : Double.NaN;
            double cpuMicrosPerUpdate = sent[0] == 0 ? Double.NaN : serverCores * seconds * 1e6 / sent[0];
            Map<String, Object> latency = delivery.summary();
            double p99 = delivery.count() == 0 ? Double.NaN : (double) latency.get("p99Ms");
            long errors = opened.failures() + closed + missingLast + writer.errors + missedPokes;
            return new Result("presence")
                    .summary(String.format("%d sockets × %d updates/s: delivery p50 %s ms, p99 %s ms; %.1f frames per "
                            + "socket per second (at most %.1f, limit %.1f); server %.2f µs of CPU per update; poke p99 "
                            + "%s ms without presence, %s ms under it; %d errors",
                            count, rate, latency.get("p50Ms"), latency.get("p99Ms"), framesPerSocket, maxFramesPerSecond,
                            limit, cpuMicrosPerUpdate, pokesBefore.summary().get("p99Ms"),
                            pokesDuring.summary().get("p99Ms"), errors))
                    .target("p99 ≤ 50 ms, ≤ 1 frame per socket per interval, nothing lost",
                            p99 <= TARGET_P99_MS && maxFramesPerSecond <= limit && errors == 0)
                    .throughput(sent[0] / seconds, "updates/s")
                    .errors(errors)
                    .put("sockets", count)
                    .put("socketsOpened", socketsOpen)
                    .put("socketFailures", opened.failures())
                    .put("socketProblems", opened.problems())
                    .put("updatesPerSocketPerSecond", rate)
                    .put("updatesSent", sent[0])
                    .put("updatesSkipped", sent[1])
                    .put("deliveryLatency", latency)
                    .put("framesPerSocketPerSecond", Latencies.round(framesPerSocket))
                    .put("maxFramesPerSocketPerSecond", Latencies.round(maxFramesPerSecond))
                    .put("frameLimitPerSocketPerSecond", limit)
                    .put("serverCpuMicrosPerUpdate", Latencies.round(cpuMicrosPerUpdate))
                    .put("lastStatesMissing", missingLast)
                    .put("socketsClosedByServer", closed)
                    .put("pushesPerSecond", pushRate)
                    .put("writerErrors", writer.errors)
                    .put("writerProblem", writer.problem)
                    .put("missedPokes", missedPokes)
                    .put("pokeLatencyWithoutPresence", pokesBefore.summary())
                    .put("pokeLatencyUnderPresence", pokesDuring.summary())
                    .put("cpuCoresWithoutPresence", baselineCores)
                    .put("cpuCores", cores);
        }
    }

    /**
     * Each socket sends {@code rate} updates a second, spread evenly over the sockets, until {@code until}; the updates
     * sent and skipped from {@code windowFrom} on are counted, and {@code windowStarts} runs when the window opens.
     */
    private static void sendPresence(List<BenchSocket> sockets, int rate, long windowFrom, long until, long[] counted,
            Runnable windowStarts) {
        int count = sockets.size();
        long period = 1_000_000_000L / ((long) rate * count);
        long begin = System.nanoTime();
        boolean inWindow = false;
        for (long tick = 0;; tick++) {
            long due = begin + tick * period;
            if (due >= until) {
                return;
            }
            for (long wait = due - System.nanoTime(); wait > 0; wait = due - System.nanoTime()) {
                LockSupport.parkNanos(wait);
            }
            if (!inWindow && due >= windowFrom) {
                inWindow = true;
                windowStarts.run();
            }
            int index = (int) (tick % count);
            BenchSocket socket = sockets.get(index);
            if (socket == null) {
                continue;
            }
            long round = tick / count;
            String state = index % SAMPLE_EVERY == 0
                    ? "{\"x\":" + round + ",\"y\":" + index + ",\"s\":" + System.nanoTime() + "}"
                    : "{\"x\":" + round + ",\"y\":" + index + "}";
            boolean sent = socket.trySend("{\"messageType\":\"presence\",\"state\":" + state + "}");
            if (inWindow) {
                counted[sent ? 0 : 1]++;
            }
        }
    }

    /** Waits up to 10 s for every open socket to see every other open socket's last state; returns how many it did not. */
    private static long awaitLastStates(List<BenchSocket> sockets, Watcher[] watchers) throws InterruptedException {
        BitSet open = new BitSet();
        for (int i = 0; i < sockets.size(); i++) {
            if (sockets.get(i) != null && sockets.get(i).isOpen()) {
                open.set(i);
            }
        }
        long deadline = System.nanoTime() + 10_000_000_000L;
        long missing;
        do {
            missing = 0;
            for (int i = open.nextSetBit(0); i >= 0; i = open.nextSetBit(i + 1)) {
                BitSet seen = watchers[i].lastStates();
                BitSet others = (BitSet) open.clone();
                others.clear(i);
                others.andNot(seen);
                missing += others.cardinality();
            }
            if (missing > 0) {
                Thread.sleep(50);
            }
        } while (missing > 0 && System.nanoTime() < deadline);
        return missing;
    }

    private static void sleepUntil(long due) {
        for (long wait = due - System.nanoTime(); wait > 0; wait = due - System.nanoTime()) {
            LockSupport.parkNanos(wait);
        }
    }

    /** One socket's view: its presence frames and the sampled states' latencies in the window, pokes, last states. */
    private static final class Watcher implements BenchSocket.FrameHandler {

        final AtomicLongArray pokeArrived;
        final Latencies latencies = new Latencies();
        private final BitSet lastStates;
        private final boolean timing;
        volatile long frames;
        private volatile long windowFrom = Long.MAX_VALUE;
        private volatile long windowTo = Long.MAX_VALUE;

        Watcher(int changes, int sockets, boolean timing) {
            this.timing = timing;
            this.pokeArrived = new AtomicLongArray(changes);
            this.lastStates = new BitSet(sockets);
        }

        void window(long from, long to) {
            windowFrom = from;
            windowTo = to;
        }

        synchronized BitSet lastStates() {
            return (BitSet) lastStates.clone();
        }

        @Override
        public void received(long arrived, String text) {
            if (text.startsWith("{\"message\":\"presence\"")) {
                presence(arrived, text);
            } else if (text.contains("\"poke\"")) {
                SyncClient.noteChanges(text, arrived, pokeArrived);
            }
        }

        private void presence(long arrived, String text) {
            if (arrived >= windowFrom && arrived < windowTo && text.contains("\"changes\"")) {
                frames++;
                Matcher sent = SENT.matcher(text);
                while (timing && sent.find()) {
                    long at = Long.parseLong(sent.group(1));
                    if (at >= windowFrom) {
                        latencies.add(arrived - at);
                    }
                }
            }
            if (arrived >= windowTo && text.contains("\"done\"")) {
                Matcher done = DONE.matcher(text);
                synchronized (this) {
                    while (done.find()) {
                        lastStates.set(Integer.parseInt(done.group(1)));
                    }
                }
            }
        }
    }

    /** Pushes one change after another at a fixed rate until stopped: change {@code n} writes the key {@code w-n}. */
    private static final class Writer implements Runnable {

        private final Target target;
        private final String space;
        private final int rate;
        private final long start;
        private final long[] answered;
        private final boolean[] written;
        private volatile boolean stopped;
        private int pushed;
        long errors;
        String problem;

        Writer(Target target, String space, int rate, int changes, long start) {
            this.target = target;
            this.space = space;
            this.rate = rate;
            this.start = start;
            this.answered = new long[changes];
            this.written = new boolean[changes];
        }

        void stop() {
            stopped = true;
        }

        @Override
        public void run() {
            String group = Scenario.id("writer-group");
            String clientID = Scenario.id("writer");
            long period = 1_000_000_000L / rate;
            long id = 0;
            try (SyncClient writer = new SyncClient(target)) {
                for (int change = 0; change < answered.length && !stopped; change++) {
                    sleepUntil(start + change * period);
                    SyncClient.Reply reply = writer.pushChange(space, group, clientID, id + 1, change);
                    answered[change] = System.nanoTime();
                    written[change] = reply.ok();
                    pushed = change + 1;
                    if (reply.ok()) {
                        id++;
                    } else {
                        errors++;
                        problem = problem == null ? reply.problem() : problem;
                    }
                }
            }
        }

        /**
         * Adds the latency from each change's 200 to each open socket's poke to {@code before} or {@code during},
         * by when the push was answered; returns the deliveries missed.
         */
        long pokeLatencies(Watcher[] watchers, List<BenchSocket> sockets, long beforeFrom, long beforeTo,
                Latencies before, long duringFrom, long duringTo, Latencies during) throws InterruptedException {
            Thread.sleep(1000); // the last pokes
            long missed = 0;
            List<Latencies> phases = new ArrayList<>(List.of(before, during));
            for (int change = 0; change < pushed; change++) {
                long at = answered[change];
                Latencies phase = at >= beforeFrom && at < beforeTo ? phases.get(0)
                        : at >= duringFrom && at < duringTo ? phases.get(1) : null;
                if (!written[change] || phase == null) {
                    continue;
                }
                for (int i = 0; i < watchers.length; i++) {
                    if (sockets.get(i) == null || !sockets.get(i).isOpen()) {
                        continue;
                    }
                    long arrived = watchers[i].pokeArrived.get(change);
                    if (arrived == 0) {
                        missed++;
                    } else {
                        phase.add(arrived - at);
                    }
                }
            }
            return missed;
        }
    }
}
