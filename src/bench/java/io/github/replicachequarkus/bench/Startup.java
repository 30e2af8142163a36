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

import io.github.replicachequarkus.testing.AotTraining;
import io.github.replicachequarkus.testing.Instance;

/**
 * Starts the packaged application a few times on the harness's (already migrated) database, as it is and then with the
 * JDK's ahead-of-time cache ({@code -XX:AOTCache}, trained by {@code testing.AotTraining} first when the cache beside the
 * jar is missing or older than it): the time from launching the process to {@code /q/health/ready} answering 200, and the
 * resident memory right then. The readiness poll of {@code testing.Instance} runs every 200 ms, so the time is an upper
 * bound by up to that; Quarkus's own "started in" (from its log, measured inside the JVM) is reported beside it.
 */
final class Startup implements Scenario {

    private static final Pattern STARTED = Pattern.compile("started in ([0-9.]+)s");

    @Override
    public Result run(Target target, BenchOptions options) throws Exception {
        if (!target.started()) {
            return Result.skipped("startup", "only when the harness starts the server itself (no -Dbench.url)");
        }
        Path jar = Path.of("target", "quarkus-app", "quarkus-run.jar");
        Path cache = jar.resolveSibling("app.aot");
        Double trainingSeconds = null;
        if (!Files.exists(cache) || Files.getLastModifiedTime(cache).compareTo(Files.getLastModifiedTime(jar)) < 0) {
            long start = System.nanoTime();
            AotTraining.train(jar, cache, List.of());
            trainingSeconds = Latencies.round(Scenario.seconds(System.nanoTime() - start));
        }
        Map<String, Object> plain = starts(target, options, "", "bench-startup-");
        Map<String, Object> cached = starts(target, options, "-XX:AOTCache=" + cache.toAbsolutePath() + " -XX:AOTMode=on",
                "bench-startup-aot-");
        double median = (Double) plain.get("medianSecondsToReady");
        double medianCached = (Double) cached.get("medianSecondsToReady");
        return new Result("startup")
                .summary(String.format(
                        "median %.2f s from launch to ready, RSS %d MB (Quarkus: started in %s s); with the AOT cache %.2f s, RSS %d MB (started in %s s)",
                        median, plain.get("medianRssMb"), plain.get("medianQuarkusStartedInSeconds"), medianCached,
                        cached.get("medianRssMb"), cached.get("medianQuarkusStartedInSeconds")))
                .target("<= 1.5 s to ready with the AOT cache, on a quiet machine", medianCached <= 1.5)
                .throughput(1 / medianCached, "starts/s")
                .put("withoutCache", plain)
                .put("withAotCache", cached)
                .put("aotCacheBytes", Files.size(cache))
                .put("aotTrainingSeconds", trainingSeconds)
                .put("readinessPollMs", 200);
    }

    private static Map<String, Object> starts(Target target, BenchOptions options, String jvmOptions, String prefix)
            throws Exception {
        List<Map<String, Object>> runs = new ArrayList<>();
        List<Double> seconds = new ArrayList<>();
        List<Long> rss = new ArrayList<>();
        for (int i = 1; i <= options.startupRuns(); i++) {
            String name = prefix + i;
            Path log = Path.of("target", "instances", name + ".log");
            Files.deleteIfExists(log);
            long start = System.nanoTime();
            Instance instance = target.launchAnother(name, jvmOptions);
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
        List<Double> started = runs.stream().map(run -> (Double) run.get("quarkusStartedInSeconds"))
                .filter(Objects::nonNull).sorted().toList();
        Map<String, Object> result = new LinkedHashMap<>();
        result.put("jvmOptions", jvmOptions);
        result.put("runs", runs);
        result.put("medianSecondsToReady", Latencies.round(seconds.stream().sorted().toList().get(seconds.size() / 2)));
        result.put("medianQuarkusStartedInSeconds", started.isEmpty() ? null : started.get(started.size() / 2));
        result.put("medianRssMb", rss.stream().sorted().toList().get(rss.size() / 2));
        return result;
    }

    private static Double startedIn(Path log) throws IOException {
        if (!Files.exists(log)) {
            return null;
        }
        Matcher started = STARTED.matcher(Files.readString(log));
        return started.find() ? Double.valueOf(started.group(1)) : null;
    }
}
