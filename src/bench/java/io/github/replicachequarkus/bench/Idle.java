package io.github.replicachequarkus.bench;

import java.net.http.HttpClient;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;

/**
 * Many idle sockets spread over rooms, each having said hello and got its poke: the server's resident memory before
 * they open and once they are all open, each time after a full GC and a pause to settle. A process can hold only as
 * many sockets as its open-file limit allows: when the harness's or the server's is too low for the sockets asked
 * for, it opens as many as fit, says so, and projects the memory for the full count.
 */
final class Idle implements Scenario {

    private static final long TARGET_RSS = 512L * 1024 * 1024;

    @Override
    public Result run(Target target, BenchOptions options) throws Exception {
        int requested = options.idleSockets();
        int roomCount = Math.min(options.idleRooms(), requested);
        List<String> rooms = new ArrayList<>();
        for (int i = 0; i < roomCount; i++) {
            rooms.add(Scenario.id("bench-idle"));
        }
        ProcessStats.SocketBudget budget = ProcessStats.socketBudget(target, requested);
        int count = budget.count();
        String limitedBy = budget.limitedBy();
        OptionalLong serverLimit = budget.serverLimit();

        try (HttpClient metrics = HttpClient.newHttpClient();
                BenchSocket.Clients clients = new BenchSocket.Clients()) {
            settle(target, options);
            OptionalLong rssBefore = target.rss();
            OptionalLong heapBefore = target.heapUsed(metrics);
            OptionalLong threadsBefore = target.pid().isPresent() ? ProcessStats.threads(target.pid().getAsLong())
                    : OptionalLong.empty();

            Bench.log(String.format("idle: opening %,d sockets, %d handshakes at a time", count, options.idleConcurrency()));
            BenchSocket.Opened opened = BenchSocket.openAll(clients, target, count, options.idleConcurrency(),
                    i -> rooms.get(i % roomCount), i -> (arrived, text) -> {
                    });
            Bench.log(String.format("idle: %,d sockets open, %d failed; settling", opened.sockets().size(),
                    opened.failures()));
            settle(target, options);
            OptionalLong rssAfter = target.rss();
            OptionalLong heapAfter = target.heapUsed(metrics);
            OptionalLong threadsAfter = target.pid().isPresent() ? ProcessStats.threads(target.pid().getAsLong())
                    : OptionalLong.empty();
            List<BenchSocket> sockets = opened.sockets();
            long closed = sockets.stream().filter(socket -> !socket.isOpen()).count();
            sockets.forEach(BenchSocket::close);
            Thread.sleep(2000); // let the server see the closes before the next scenario

            long errors = opened.failures() + closed;
            Double perSocketKb = null;
            Long projectedMb = null;
            boolean met = count == requested && errors == 0;
            String memory = "server RSS unknown (pass -Dbench.pid for a server on this machine)";
            if (rssBefore.isPresent() && rssAfter.isPresent() && !sockets.isEmpty()) {
                double perSocket = (rssAfter.getAsLong() - rssBefore.getAsLong()) / (double) sockets.size();
                perSocketKb = Latencies.round(perSocket / 1024);
                projectedMb = Math.round((rssBefore.getAsLong() + perSocket * requested) / 1024 / 1024);
                met = met && rssAfter.getAsLong() <= TARGET_RSS;
                memory = String.format("server RSS %d MB (%d MB before, %.1f KB per socket)", mb(rssAfter), mb(rssBefore),
                        perSocketKb);
                if (count < requested) {
                    memory += String.format(", %d MB projected for %,d", projectedMb, requested);
                }
            } else if (rssAfter.isEmpty()) {
                met = false;
            }
            return new Result("idle")
                    .summary(String.format("%,d of %,d sockets open in %d rooms; %s; %d errors", sockets.size(), requested,
                            roomCount, memory, errors))
                    .target("20,000 sockets within 512 MB RSS", met)
                    .throughput(sockets.size() / Scenario.seconds(opened.nanos()), "sockets opened/s")
                    .errors(errors)
                    .put("requested", requested)
                    .put("attempted", count)
                    .put("opened", sockets.size())
                    .put("rooms", roomCount)
                    .put("concurrentHandshakes", options.idleConcurrency())
                    .put("limitedBy", limitedBy)
                    .put("openFailures", opened.failures())
                    .put("openProblems", opened.problems())
                    .put("closedByServerWhileIdle", closed)
                    .put("openSeconds", Latencies.round(Scenario.seconds(opened.nanos())))
                    .put("handshake", opened.handshakes().summary())
                    .put("settleSeconds", Scenario.seconds(options.idleSettle().toNanos()))
                    .put("rssBeforeMb", mb(rssBefore))
                    .put("rssAfterMb", mb(rssAfter))
                    .put("rssPerSocketKb", perSocketKb)
                    .put("rssProjectedMbForRequested", projectedMb)
                    .put("heapBeforeMb", mb(heapBefore))
                    .put("heapAfterMb", mb(heapAfter))
                    .put("serverThreadsBefore", threadsBefore.isPresent() ? threadsBefore.getAsLong() : null)
                    .put("serverThreadsAfter", threadsAfter.isPresent() ? threadsAfter.getAsLong() : null)
                    .put("serverOpenFileLimit", serverLimit.isPresent() ? serverLimit.getAsLong() : null)
                    .put("harnessOpenFileLimit", ProcessStats.harnessFileLimit());
        }
    }

    /** A full GC on the server (when the harness can attach to it), then a pause. */
    private static void settle(Target target, BenchOptions options) throws InterruptedException {
        target.collectGarbage();
        Thread.sleep(options.idleSettle().toMillis());
    }

    static Long mb(OptionalLong bytes) {
        return bytes.isPresent() ? Math.round(bytes.getAsLong() / 1024.0 / 1024.0) : null;
    }
}
