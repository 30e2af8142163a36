package io.github.replicachequarkus.bench;

import java.io.IOException;
import java.io.InputStream;
import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.concurrent.atomic.AtomicLong;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * A space of many entries (created by pushes of {@code bench.pull.batch} {@code createTodo}s each), then pulls from
 * cookie null: the time to the first and to the last byte, the bytes, and the server's heap, polled from its metrics
 * every 50 ms while the pull runs (after a full GC, when the harness can run one). The first pull is the cold one; the
 * target applies to the median.
 */
final class BigPull implements Scenario {

    private static final double TARGET_SECONDS = 2;

    @Override
    public Result run(Target target, BenchOptions options) throws Exception {
        String space = Scenario.id("bench-pull");
        int entries = options.pullEntries();
        try (SyncClient client = new SyncClient(target); HttpClient metrics = HttpClient.newHttpClient()) {
            long seedStart = System.nanoTime();
            client.seedTodos(space, "todo-", entries, options.pullBatch());
            double seedSeconds = Scenario.seconds(System.nanoTime() - seedStart);

            target.collectGarbage(); // what earlier scenarios left on the heap is no part of the baseline
            Thread.sleep(500);
            OptionalLong heapBaseline = target.heapUsed(metrics);
            List<Map<String, Object>> pulls = new ArrayList<>();
            List<Double> seconds = new ArrayList<>();
            long errors = 0;
            String problem = null;
            for (int i = 0; i < options.pullRepeats(); i++) {
                target.collectGarbage();
                HeapPoller heap = new HeapPoller(target, metrics);
                Thread poller = Thread.ofPlatform().daemon().name("bench-heap-poller").start(heap);
                long start = System.nanoTime();
                HttpResponse<InputStream> response = client.pullStream(space, Scenario.id("group"));
                long firstByte = System.nanoTime();
                byte[] body;
                try (InputStream stream = response.body()) {
                    body = stream.readAllBytes();
                }
                long lastByte = System.nanoTime();
                heap.stop();
                poller.join();

                String check = check(response.statusCode(), body, entries);
                if (check != null) {
                    errors++;
                    problem = problem == null ? check : problem;
                }
                Map<String, Object> pull = new LinkedHashMap<>();
                pull.put("seconds", Latencies.round(Scenario.seconds(lastByte - start)));
                pull.put("firstByteSeconds", Latencies.round(Scenario.seconds(firstByte - start)));
                pull.put("bytes", body.length);
                pull.put("heapMaxMb", heap.max() < 0 ? null : Math.round(heap.max() / 1024.0 / 1024.0));
                pull.put("heapSamples", heap.samples());
                pull.put("problem", check);
                pulls.add(pull);
                seconds.add(Scenario.seconds(lastByte - start));
                Thread.sleep(500);
            }

            double cold = seconds.get(0);
            double median = seconds.stream().sorted().toList().get(seconds.size() / 2);
            Object heapMax = pulls.stream().map(pull -> pull.get("heapMaxMb")).filter(mb -> mb != null)
                    .map(mb -> (Long) mb).max(Long::compare).orElse(null);
            return new Result("pull-100k")
                    .summary(String.format("%,d entries: median %.2f s to the last byte (first pull %.2f s), %.1f MB; "
                            + "server heap max %s MB (baseline %s MB); %d errors", entries, median, cold,
                            (int) pulls.get(0).get("bytes") / 1024.0 / 1024.0, heapMax == null ? "?" : heapMax,
                            heapBaseline.isPresent() ? Idle.mb(heapBaseline) : "?", errors))
                    .target("≤ 2 s", median <= TARGET_SECONDS && errors == 0)
                    .throughput(entries / median, "entries/s")
                    .errors(errors)
                    .put("entries", entries)
                    .put("seedBatch", options.pullBatch())
                    .put("seedSeconds", Latencies.round(seedSeconds))
                    .put("seedEntriesPerSecond", Latencies.round(entries / seedSeconds))
                    .put("medianSeconds", Latencies.round(median))
                    .put("coldSeconds", Latencies.round(cold))
                    .put("heapBaselineMb", Idle.mb(heapBaseline))
                    .put("heapMaxMb", heapMax)
                    .put("problem", problem)
                    .put("pulls", pulls);
        }
    }

    /** Why the pull's reply is not the whole space, or null when it is. */
    private static String check(int status, byte[] body, int entries) {
        if (status != 200) {
            return "status " + status;
        }
        try {
            JsonNode reply = SyncClient.JSON.readTree(body);
            if (reply.has("error")) {
                return "error " + reply.get("error").asText();
            }
            int puts = 0;
            for (JsonNode op : reply.path("patch")) {
                puts += "put".equals(op.path("op").asText()) ? 1 : 0;
            }
            return puts == entries && reply.path("cookie").isNumber() ? null
                    : "expected " + entries + " puts and a number cookie, got " + puts + " and " + reply.path("cookie");
        } catch (IOException e) {
            return "not JSON: " + e.getMessage();
        }
    }

    /** Polls the server's heap every 50 ms until stopped, keeping the largest. */
    private static final class HeapPoller implements Runnable {

        private final Target target;
        private final HttpClient client;
        private final AtomicLong max = new AtomicLong(-1);
        private volatile boolean stopped;
        private volatile int samples;

        HeapPoller(Target target, HttpClient client) {
            this.target = target;
            this.client = client;
        }

        @Override
        public void run() {
            while (!stopped) {
                long next = System.nanoTime() + 50_000_000L;
                OptionalLong heap = target.heapUsed(client);
                if (heap.isPresent()) {
                    max.accumulateAndGet(heap.getAsLong(), Math::max);
                    samples++;
                }
                long wait = next - System.nanoTime();
                if (wait > 0) {
                    try {
                        Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
                    } catch (InterruptedException e) {
                        return;
                    }
                }
            }
        }

        void stop() {
            stopped = true;
        }

        long max() {
            return max.get();
        }

        int samples() {
            return samples;
        }
    }
}
