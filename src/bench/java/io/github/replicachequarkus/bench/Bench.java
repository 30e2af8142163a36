package io.github.replicachequarkus.bench;

import java.nio.file.Files;
import java.time.LocalTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The load generator: runs the scenarios asked for against a Replicache v1 server (the packaged application on a fresh
 * embedded PostgreSQL, or any server at {@code -Dbench.url}) and writes what each measured to {@code bench.out}: one
 * {@code <scenario>.json} each and a {@code results.md} table, which it also prints. Run it with
 * {@code ./mvnw -Pbench verify}; docs/development.md lists the options.
 */
public final class Bench {

    private static final Map<String, Scenario> SCENARIOS = Map.of(
            "push-hot", new PushLoad("push-hot", false, 2500),
            "push-spaces", new PushLoad("push-spaces", true, 3500),
            "mutate-hot", new PushLoad("mutate-hot", false, 2500, true),
            "fanout", new Fanout(),
            "presence", new PresenceLoad(),
            "idle", new Idle(),
            "reconnect", new Reconnect(),
            "pull-100k", new BigPull(),
            "startup", new Startup(),
            "soak", new Soak());

    private static final DateTimeFormatter CLOCK = DateTimeFormatter.ofPattern("HH:mm:ss");

    private Bench() {
    }

    public static void main(String[] args) throws Exception {
        List<Result> results = run(BenchOptions.fromSystemProperties());
        List<String> failed = results.stream().filter(Result::failed).map(Result::scenario).toList();
        if (!failed.isEmpty()) {
            throw new IllegalStateException("Scenarios failed to run: " + failed + "; see their JSON files");
        }
    }

    /** Runs the scenarios in the order given, writes their results, and returns them. */
    static List<Result> run(BenchOptions options) throws Exception {
        Files.createDirectories(options.out());
        Map<String, Object> machine = Report.machine();
        List<Result> results = new ArrayList<>();
        log(options.url() == null ? "starting the packaged application on a fresh database" : "target " + options.url());
        try (Target target = options.url() == null ? Target.start(options) : Target.connect(options)) {
            Map<String, Object> database = target.describeDatabase();
            log("server at " + target.base() + (target.pid().isPresent() ? ", pid " + target.pid().getAsLong() : "")
                    + "; " + database);
            for (String name : options.scenarios()) {
                log(name + ": running");
                double load = ProcessStats.loadAverage();
                Result result;
                try {
                    result = SCENARIOS.get(name).run(target, options);
                } catch (Exception e) {
                    log(name + ": failed: " + e);
                    e.printStackTrace(System.out);
                    result = Result.failed(name, e);
                }
                result.write(options.out(), load);
                results.add(result);
                log(name + ": " + result.summary());
            }
            Report.write(options.out(), options, machine, database, results);
        }
        System.out.println();
        System.out.println(Report.table(results));
        log("results in " + options.out().toAbsolutePath());
        return results;
    }

    static void log(String message) {
        System.out.println("[bench " + LocalTime.now().format(CLOCK) + "] " + message);
    }
}
