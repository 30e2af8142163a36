package io.github.replicachequarkus.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.locks.LockSupport;

/**
 * Many sockets in one room, and one writer (a client group of its own) pushing {@code createTodo} over HTTP at a fixed
 * rate: change {@code n} writes the key {@code w-n}. Each socket notes when each key first reaches it in a poke. A
 * change's latency to a socket is that arrival minus the moment the push carrying it was answered 200; the arrival
 * minus the moment it was sent is the other bound. A key that never reaches an open socket is a missed delivery.
 */
final class Fanout implements Scenario {

    private static final double TARGET_P99_MS = 50;

    @Override
    public Result run(Target target, BenchOptions options) throws Exception {
        String space = Scenario.id("bench-fanout");
        int rate = options.fanoutRate();
        int warmupChanges = (int) Math.round(rate * Scenario.seconds(options.warmup().toNanos()));
        int changes = warmupChanges + (int) Math.max(1, Math.round(rate * Scenario.seconds(options.duration().toNanos())));
        Watcher[] watchers = new Watcher[options.fanoutSockets()];
        for (int i = 0; i < watchers.length; i++) {
            watchers[i] = new Watcher(changes);
        }
        long[] sent = new long[changes];
        long[] answered = new long[changes];
        boolean[] written = new boolean[changes];
        long writerErrors = 0;
        String problem = null;
        Latencies pushLatencies = new Latencies();
        Map<String, Object> cores;
        BenchSocket.Opened opened;

        try (BenchSocket.Clients clients = new BenchSocket.Clients();
                SyncClient writer = new SyncClient(target)) {
            opened = BenchSocket.openAll(clients, target, watchers.length, 64, i -> space, i -> watchers[i]);
            String group = Scenario.id("writer-group");
            String clientID = Scenario.id("writer");
            long id = 0;
            ProcessStats.CpuUse cpu = new ProcessStats.CpuUse(target);
            long start = System.nanoTime();
            long period = 1_000_000_000L / rate;
            for (int change = 0; change < changes; change++) {
                long due = start + change * period;
                for (long wait = due - System.nanoTime(); wait > 0; wait = due - System.nanoTime()) {
                    LockSupport.parkNanos(wait);
                }
                sent[change] = System.nanoTime();
                SyncClient.Reply reply = writer.pushChange(space, group, clientID, id + 1, change);
                answered[change] = System.nanoTime();
                pushLatencies.add(answered[change] - sent[change]);
                written[change] = reply.ok();
                if (reply.ok()) {
                    id++;
                } else {
                    writerErrors++;
                    problem = problem == null ? reply.problem() : problem;
                }
            }
            awaitStragglers(opened.byIndex(), watchers, written);
            cores = cpu.cores();

            Latencies fromAnswer = new Latencies();
            Latencies fromSend = new Latencies();
            long missed = 0;
            long beforeAnswer = 0;
            long pokes = 0;
            long coalesced = 0;
            int closed = 0;
            List<String> closes = new ArrayList<>();
            for (int i = 0; i < watchers.length; i++) {
                Watcher watcher = watchers[i];
                BenchSocket socket = opened.byIndex().get(i);
                if (socket == null) {
                    continue;
                }
                pokes += watcher.pokes;
                coalesced += watcher.coalesced;
                if (!socket.isOpen()) {
                    closed++;
                    if (closes.size() < 5) {
                        closes.add("socket " + i + " " + socket.closedBecause());
                    }
                }
                for (int change = warmupChanges; change < changes; change++) {
                    if (!written[change]) {
                        continue;
                    }
                    long arrived = watcher.arrived.get(change);
                    if (arrived == 0) {
                        missed++;
                    } else {
                        fromAnswer.add(arrived - answered[change]);
                        fromSend.add(arrived - sent[change]);
                        if (arrived < answered[change]) {
                            beforeAnswer++;
                        }
                    }
                }
            }
            opened.sockets().forEach(BenchSocket::close);

            Map<String, Object> latency = fromAnswer.summary();
            Map<String, Object> latencyFromSend = fromSend.summary();
            double p99 = fromAnswer.count() == 0 ? Double.NaN : (double) latency.get("p99Ms");
            long errors = writerErrors + opened.failures() + closed + missed;
            double measuredSeconds = (changes - warmupChanges) / (double) rate;
            return new Result("fanout")
                    .summary(String.format("latency after the push's 200: p50 %s ms, p99 %s ms, max %s ms "
                            + "(after its send: p99 %s ms); %d of %d deliveries missed; %d errors",
                            latency.get("p50Ms"), latency.get("p99Ms"), latency.get("maxMs"), latencyFromSend.get("p99Ms"),
                            missed, missed + fromAnswer.count(), errors))
                    .target("p99 ≤ 50 ms, nothing missed", p99 <= TARGET_P99_MS && errors == 0)
                    .throughput(fromAnswer.count() / measuredSeconds, "deliveries/s")
                    .errors(errors)
                    .put("sockets", watchers.length)
                    .put("socketsOpened", opened.sockets().size())
                    .put("socketFailures", opened.failures())
                    .put("socketProblems", opened.problems())
                    .put("openSeconds", Latencies.round(Scenario.seconds(opened.nanos())))
                    .put("handshake", opened.handshakes().summary())
                    .put("changesPerSecond", rate)
                    .put("changes", changes - warmupChanges)
                    .put("warmupChanges", warmupChanges)
                    .put("writerErrors", writerErrors)
                    .put("writerProblem", problem)
                    .put("writerPushLatency", pushLatencies.summary())
                    .put("deliveries", fromAnswer.count())
                    .put("missedDeliveries", missed)
                    .put("deliveriesBeforePushAnswered", beforeAnswer)
                    .put("pokesReceived", pokes)
                    .put("pokesCarryingSeveralChanges", coalesced)
                    .put("socketsClosedByServer", closed)
                    .put("socketCloses", closes)
                    .put("latencyAfterPushAnswered", latency)
                    .put("latencyAfterPushSent", latencyFromSend)
                    .put("cpuCores", cores);
        }
    }

    /** Waits up to 5 s for every open socket (by index, null where none opened) to have the last change written. */
    private static void awaitStragglers(List<BenchSocket> sockets, Watcher[] watchers, boolean[] written)
            throws InterruptedException {
        int last = written.length - 1;
        while (last >= 0 && !written[last]) {
            last--;
        }
        if (last < 0) {
            return;
        }
        long deadline = System.nanoTime() + 5_000_000_000L;
        while (System.nanoTime() < deadline) {
            boolean all = true;
            for (int i = 0; i < watchers.length; i++) {
                BenchSocket socket = sockets.get(i);
                if (socket != null && socket.isOpen() && watchers[i].arrived.get(last) == 0) {
                    all = false;
                    break;
                }
            }
            if (all) {
                return;
            }
            Thread.sleep(50);
        }
    }

    /** One socket's view: when each change first reached it. */
    private static final class Watcher implements BenchSocket.FrameHandler {

        final AtomicLongArray arrived;
        volatile long pokes;
        volatile long coalesced;

        Watcher(int changes) {
            this.arrived = new AtomicLongArray(changes);
        }

        @Override
        public void received(long arrivedNanos, String text) {
            if (!text.contains("\"poke\"")) {
                return;
            }
            pokes++;
            if (SyncClient.noteChanges(text, arrivedNanos, arrived) > 1) {
                coalesced++;
            }
        }
    }
}
