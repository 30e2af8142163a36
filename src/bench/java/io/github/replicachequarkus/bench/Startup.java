package io.github.replicachequarkus.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import io.github.replicachequarkus.testing.Instance;

/**
 * Starts the packaged application a few times on the harness's (already migrated) database: the time from launching
 * the process to {@code /q/health/ready} answering 200, and the resident memory right then. The readiness poll of
 * {@code testing.Instance} runs every 200 ms, so the time is an upper bound by up to that; Quarkus's own "started in"
 * (from its log, measured inside the JVM) is reported beside it.
 */
final class Startup implements Scenario {

    private static final Pattern STARTED = Pattern.compile("started in ([0-9.]+)s");

    @Override
    public Result run(Target target, BenchOptions options) throws Exception {
        if (!target.started()) {
            return Result.skipped("startup", "only when the harness starts the server itself (no -Dbench.url)");
        }
        List<Map<String, Object>> runs = new ArrayList<>();
        List<Double> seconds = new ArrayList<>();
        List<Long> rss = new ArrayList<>();
        for (int i = 1; i <= options.startupRuns(); i++) {
            String name = "bench-startup-" + i;
            Path log = Path.of("target", "instances", name + ".log");
            Files.deleteIfExists(log);
            long start = System.nanoTime();
            Instance instance = target.launchAnother(name);
            long ready = System.nanoTime();
            Long rssMb = Idle.mb(ProcessStats.rss(instance.pid()));
            instance.close();
            Map<String, Object> run = new LinkedHashMap<>();
            run.put("secondsToReady", Latencies.round(Scenario.seconds(ready - start)));
            run.put("quarkusStartedInSeconds", startedIn(log));
            run.put("rssMb", rssMb);
            runs.add(run);
            seconds.add(Scenario.seconds(ready - start));
            rss.add(rssMb == null ? -1 : rssMb);
        }
        double median = seconds.stream().sorted().toList().get(seconds.size() / 2);
        long medianRss = rss.stream().sorted().toList().get(rss.size() / 2);
        List<Double> started = runs.stream().map(run -> (Double) run.get("quarkusStartedInSeconds"))
                .filter(Objects::nonNull).sorted().toList();
        Double quarkus = started.isEmpty() ? null : started.get(started.size() / 2);
        return new Result("startup")
                .summary(String.format("median %.2f s from launch to ready (Quarkus: started in %s s); RSS %d MB then",
                        median, quarkus == null ? "?" : quarkus, medianRss))
                .target("none set (reported for reference)", null)
                .throughput(1 / median, "starts/s")
                .put("runs", runs)
                .put("medianSecondsToReady", Latencies.round(median))
                .put("medianQuarkusStartedInSeconds", quarkus)
                .put("medianRssMb", medianRss)
                .put("readinessPollMs", 200);
    }

    private static Double startedIn(Path log) throws IOException {
        if (!Files.exists(log)) {
            return null;
        }
        Matcher started = STARTED.matcher(Files.readString(log));
        return started.find() ? Double.valueOf(started.group(1)) : null;
    }
}
