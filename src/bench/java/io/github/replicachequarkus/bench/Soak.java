package io.github.replicachequarkus.bench;

import java.net.http.HttpClient;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A long run: {@code bench.soak.sockets} sockets over {@code bench.soak.rooms} rooms, and one writer pushing
 * {@code bench.soak.rate} changes a second round-robin into the rooms, for {@code bench.soak.duration} (10 minutes). Every
 * {@code bench.soak.sample} seconds the server's heap after a full GC and its RSS are recorded: both must stay flat.
 * At the end every socket must still be open and have been poked up to its room's last version. Not among the default
 * scenarios: {@code -Dbench.scenarios=soak}.
 */
final class Soak implements Scenario {

    private static final Pattern COOKIE = Pattern.compile("\"cookie\":(\\d+)");

    @Override
    public Result run(Target target, BenchOptions options) throws Exception {
        int count = options.soakSockets();
        int roomCount = Math.min(options.soakRooms(), count);
        List<String> rooms = new ArrayList<>();
        for (int i = 0; i < roomCount; i++) {
            rooms.add(Scenario.id("bench-soak"));
        }
        AtomicLongArray lastCookie = new AtomicLongArray(count);
        List<Map<String, Object>> samples = new ArrayList<>();
        long pushes = 0;
        long pushErrors = 0;
        Latencies pushLatency = new Latencies();
        long[] roomVersion = new long[roomCount];

        try (HttpClient metrics = HttpClient.newHttpClient();
                BenchSocket.Clients clients = new BenchSocket.Clients();
                SyncClient writer = new SyncClient(target)) {
            for (String room : rooms) {
                writer.seedTodos(room, "soak", 1, 1);
            }
            Bench.log(String.format("soak: opening %,d sockets in %d rooms", count, roomCount));
            BenchSocket.Opened opened = BenchSocket.openAll(clients, target, count, options.idleConcurrency(),
                    i -> rooms.get(i % roomCount), i -> (arrived, text) -> {
                        Matcher cookie = COOKIE.matcher(text);
                        if (text.contains("\"poke\"") && cookie.find()) {
                            lastCookie.accumulateAndGet(i, Long.parseLong(cookie.group(1)), Math::max);
                        }
                    });
            Bench.log(String.format("soak: %,d sockets open, %d failed; pushing %d changes/s for %d s",
                    opened.sockets().size(), opened.failures(), options.soakRate(), options.soakDuration().toSeconds()));
            samples.add(sample(target, metrics, 0, opened.sockets()));

            // One writer client (and group) per room: a client belongs to one space for life.
            List<String> groups = new ArrayList<>();
            List<String> writers = new ArrayList<>();
            long[] mutationIDs = new long[roomCount];
            for (int room = 0; room < roomCount; room++) {
                groups.add(Scenario.id("soak-writer"));
                writers.add(Scenario.id("soak-client"));
            }
            long intervalNanos = 1_000_000_000L / Math.max(1, options.soakRate());
            long start = System.nanoTime();
            long end = start + options.soakDuration().toNanos();
            long nextSample = start + options.soakSample().toNanos();
            long next = start;
            for (long id = 1; System.nanoTime() < end; id++) {
                long wait = next - System.nanoTime();
                if (wait > 0) {
                    Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
                }
                next += intervalNanos;
                int room = (int) (id % roomCount);
                long sent = System.nanoTime();
                long mutationID = ++mutationIDs[room];
                SyncClient.Reply reply = writer.push(rooms.get(room), groups.get(room),
                        List.of(SyncClient.updateTodo(writers.get(room), mutationID, "soak0", id % 2 == 0, "change " + id)));
                pushLatency.add(System.nanoTime() - sent);
                pushes++;
                if (!reply.ok()) {
                    pushErrors++;
                }
                if (System.nanoTime() >= nextSample) {
                    nextSample += options.soakSample().toNanos();
                    samples.add(sample(target, metrics, Scenario.seconds(System.nanoTime() - start), opened.sockets()));
                    Bench.log("soak: " + samples.getLast());
                }
            }
            for (int room = 0; room < roomCount; room++) {
                roomVersion[room] = SyncClient.JSON.readTree(writer.pull(rooms.get(room), Scenario.id("soak-check")).body())
                        .path("cookie").asLong();
            }
            Thread.sleep(5000); // the last pokes on their way
            samples.add(sample(target, metrics, Scenario.seconds(System.nanoTime() - start), opened.sockets()));

            List<BenchSocket> byIndex = opened.byIndex();
            long dropped = 0;
            long behind = 0;
            for (int i = 0; i < count; i++) {
                BenchSocket socket = byIndex.get(i);
                if (socket == null) {
                    continue;
                }
                if (!socket.isOpen()) {
                    dropped++;
                } else if (lastCookie.get(i) < roomVersion[i % roomCount]) {
                    behind++;
                }
            }
            byIndex.stream().filter(java.util.Objects::nonNull).forEach(BenchSocket::close);

            long heapFirst = (Long) samples.get(0).getOrDefault("heapAfterGcMb", 0L);
            long heapLast = (Long) samples.getLast().getOrDefault("heapAfterGcMb", 0L);
            long rssFirst = (Long) samples.get(0).getOrDefault("rssMb", 0L);
            long rssLast = (Long) samples.getLast().getOrDefault("rssMb", 0L);
            long errors = opened.failures() + dropped + behind + pushErrors;
            return new Result("soak")
                    .summary(String.format(
                            "%,d sockets in %d rooms for %d s, %,d pushes (%d errors); heap after GC %d → %d MB, "
                                    + "RSS %d → %d MB; %d sockets dropped, %d behind their room",
                            opened.sockets().size(), roomCount,
                            options.soakDuration().toSeconds(), pushes, pushErrors, heapFirst, heapLast, rssFirst, rssLast,
                            dropped, behind))
                    .target("flat memory, no dropped sockets", errors == 0 && heapLast <= heapFirst * 1.2 + 16)
                    .throughput(pushes / Scenario.seconds(options.soakDuration().toNanos()), "pushes/s")
                    .errors(errors)
                    .put("sockets", opened.sockets().size())
                    .put("openFailures", opened.failures())
                    .put("rooms", roomCount)
                    .put("pushes", pushes)
                    .put("pushErrors", pushErrors)
                    .put("pushLatency", pushLatency.summary())
                    .put("dropped", dropped)
                    .put("behind", behind)
                    .put("samples", samples);
        }
    }

    /** The server's heap after a full GC and its RSS, with the sockets still open. */
    private static Map<String, Object> sample(Target target, HttpClient metrics, double atSeconds, List<BenchSocket> sockets)
            throws Exception {
        target.collectGarbage();
        Map<String, Object> sample = new LinkedHashMap<>();
        sample.put("atSeconds", Latencies.round(atSeconds));
        OptionalLong heap = target.heapUsed(metrics);
        OptionalLong rss = target.rss();
        sample.put("heapAfterGcMb", Idle.mb(heap));
        sample.put("rssMb", Idle.mb(rss));
        sample.put("open", sockets.stream().filter(BenchSocket::isOpen).count());
        return sample;
    }
}
