package io.github.replicachequarkus.bench;

import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * HTTP pushes of one {@code updateTodo} each, from concurrent clients that each are a client group of their own with
 * sequential mutation ids: all into one space ({@code push-hot}, where pushes queue on the space's lock) or one space
 * per client ({@code push-spaces}). The first seconds warm up and are not counted; afterwards a pull checks that the
 * server confirms every mutation it answered 200 for.
 * <p>
 * With {@code serverWrites} ({@code mutate-hot}) the clients are the app's backend instead: each request is a server
 * API {@code mutate} of one {@code createTodo} of a key of its own, into one space, committed with the others of its
 * batch; afterwards the server API is asked for each client's last todo and first todo.
 */
final class PushLoad implements Scenario {

    private final String name;
    private final boolean spacePerClient;
    private final double targetPerSecond;
    private final boolean serverWrites;

    PushLoad(String name, boolean spacePerClient, double targetPerSecond) {
        this(name, spacePerClient, targetPerSecond, false);
    }

    PushLoad(String name, boolean spacePerClient, double targetPerSecond, boolean serverWrites) {
        this.name = name;
        this.spacePerClient = spacePerClient;
        this.targetPerSecond = targetPerSecond;
        this.serverWrites = serverWrites;
    }

    @Override
    public Result run(Target target, BenchOptions options) throws Exception {
        List<String> spaces = new ArrayList<>();
        for (int i = 0; i < (spacePerClient ? options.clients() : 1); i++) {
            spaces.add(Scenario.id("bench-" + name));
        }
        try (SyncClient seeder = new SyncClient(target)) {
            for (String space : spaces) {
                seeder.seedTodos(space, "todo-", options.pushTodos(), 1000);
            }
        }
        List<Pusher> pushers = new ArrayList<>();
        for (int i = 0; i < options.clients(); i++) {
            pushers.add(new Pusher(target, spaces.get(spacePerClient ? i : 0), options.pushTodos(), serverWrites));
        }

        long start = System.nanoTime();
        long measureFrom = start + options.warmup().toNanos();
        long until = measureFrom + options.duration().toNanos();
        ProcessStats.CpuUse cpu = null;
        OptionalLong commitsBefore = OptionalLong.empty();
        try (ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<?>> running = new ArrayList<>();
            for (Pusher pusher : pushers) {
                running.add(threads.submit(() -> pusher.run(measureFrom, until)));
            }
            Thread.sleep(Math.max(0, (measureFrom - System.nanoTime()) / 1_000_000));
            commitsBefore = target.databaseCommits();
            cpu = new ProcessStats.CpuUse(target);
            for (Future<?> pusher : running) {
                pusher.get();
            }
        }
        Map<String, Object> cores = cpu.cores();
        OptionalLong commitsAfter = target.databaseCommits();
        Map<String, Object> webhook = target.webhook().map(receiver -> webhookLag(receiver, pushers)).orElse(null);

        Latencies latencies = new Latencies();
        long pushes = 0;
        long warmupPushes = 0;
        long errors = 0;
        List<String> problems = new ArrayList<>();
        for (Pusher pusher : pushers) {
            latencies.addAll(pusher.latencies);
            pushes += pusher.measured;
            warmupPushes += pusher.warmup;
            errors += pusher.errors;
            if (pusher.problem != null && problems.size() < 5) {
                problems.add(pusher.problem);
            }
        }
        long unconfirmed = 0;
        try (SyncClient checker = new SyncClient(target)) {
            for (Pusher pusher : pushers) {
                if (!pusher.confirmed(checker)) {
                    unconfirmed++;
                }
                pusher.client.close();
            }
        }

        double perSecond = pushes / Scenario.seconds(options.duration().toNanos());
        Map<String, Object> latency = latencies.summary();
        String unit = serverWrites ? "writes/s" : "pushes/s";
        return new Result(name)
                .summary(String.format("%,.0f %s; latency p50 %s ms, p99 %s ms, max %s ms; %d errors", perSecond, unit,
                        latency.get("p50Ms"), latency.get("p99Ms"), latency.get("maxMs"), errors + unconfirmed))
                .target(String.format("≥ %,.0f %s, 0 errors", targetPerSecond, unit),
                        perSecond >= targetPerSecond && errors + unconfirmed == 0)
                .throughput(perSecond, unit)
                .errors(errors + unconfirmed)
                .put("clients", options.clients())
                .put("spaces", spaces.size())
                .put("todosPerSpace", options.pushTodos())
                .put("mutationsPerPush", 1)
                .put("warmupSeconds", Scenario.seconds(options.warmup().toNanos()))
                .put("durationSeconds", Scenario.seconds(options.duration().toNanos()))
                .put("pushes", pushes)
                .put("warmupPushes", warmupPushes)
                .put("latency", latency)
                .put("failedPushes", errors)
                .put("unconfirmedClients", unconfirmed)
                .put("problems", problems)
                .put("cpuCores", cores)
                .put("cpuMsPerPush", cpuPerPush(cores, pushes, options))
                .put("databaseCommitsPerPush", commitsBefore.isPresent() && commitsAfter.isPresent() && pushes > 0
                        ? Latencies.round((commitsAfter.getAsLong() - commitsBefore.getAsLong()) / (double) pushes)
                        : null)
                .put("webhook", webhook);
    }

    /**
     * The webhook's lag: for each measured push whose value arrived at the receiver, the time from the push's 200 to
     * its arrival. First waits for the deliveries to catch up: until none has come for 3 s (three batch windows), at
     * most 30 s.
     */
    private static Map<String, Object> webhookLag(WebhookReceiver receiver, List<Pusher> pushers) {
        long deadline = System.nanoTime() + 30_000_000_000L;
        while (System.nanoTime() - receiver.lastDeliveryAt() < 3_000_000_000L && System.nanoTime() < deadline) {
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        Latencies lag = new Latencies();
        long answered = 0;
        for (Pusher pusher : pushers) {
            for (Map.Entry<String, Long> value : pusher.answeredAt.entrySet()) {
                answered++;
                Long arrived = receiver.arrivedAt(value.getKey());
                if (arrived != null) {
                    lag.add(Math.max(0, arrived - value.getValue()));
                }
            }
        }
        Map<String, Object> described = new LinkedHashMap<>();
        described.put("deliveries", receiver.deliveries());
        described.put("versionsDelivered", receiver.versions());
        described.put("valuesAnswered", answered);
        described.put("valuesArrived", lag.count());
        described.put("malformed", receiver.malformed());
        described.put("lag", lag.summary());
        return described;
    }

    /** CPU milliseconds per push that each process spent in the measured window. */
    private static Map<String, Object> cpuPerPush(Map<String, Object> cores, long pushes, BenchOptions options) {
        Map<String, Object> perPush = new LinkedHashMap<>();
        double seconds = Scenario.seconds(options.duration().toNanos());
        for (String process : List.of("server", "database", "harness", "machine")) {
            if (cores.get(process) instanceof Double used && pushes > 0) {
                perPush.put(process, Latencies.round(used * seconds * 1000 / pushes));
            }
        }
        return perPush;
    }

    /** One client: a client group of its own, sequential mutation ids, its own keep-alive connection. */
    private static final class Pusher {

        final SyncClient client;
        final String space;
        final String group = Scenario.id("group");
        final String clientID = Scenario.id("client");
        final int todos;
        final boolean serverWrites;
        final Latencies latencies = new Latencies();
        long measured;
        long warmup;
        long errors;
        long lastID;
        String problem;
        /** When each value this pusher wrote in the measured window was answered with 200 (for the webhook's lag). */
        final Map<String, Long> answeredAt = new java.util.HashMap<>();

        Pusher(Target target, String space, int todos, boolean serverWrites) {
            this.client = new SyncClient(target);
            this.space = space;
            this.todos = todos;
            this.serverWrites = serverWrites;
        }

        /** Pushes until {@code until}; counts the successful pushes that end between {@code measureFrom} and then. */
        void run(long measureFrom, long until) {
            ThreadLocalRandom random = ThreadLocalRandom.current();
            long id = 0;
            for (long sent = System.nanoTime(); sent < until; sent = System.nanoTime()) {
                long next = id + 1;
                SyncClient.Reply reply;
                String text = "edited by " + clientID + " #" + next;
                try {
                    reply = serverWrites
                            ? client.mutate(space, List.of(SyncClient.call("createTodo", SyncClient.JSON.createObjectNode()
                                    .put("id", clientID + "-" + next).put("text", "written by the backend")
                                    .put("completed", false).put("sort", (double) next))))
                            : client.push(space, group, List.of(SyncClient.updateTodo(clientID, next,
                                    "todo-" + random.nextInt(todos), random.nextBoolean(), text)));
                } catch (IOException e) {
                    reply = new SyncClient.Reply(-1, e.toString());
                }
                long done = System.nanoTime();
                if (reply.ok()) {
                    id = next; // else the same mutation goes again, as a Replicache client would re-send it
                } else {
                    errors++;
                    problem = problem == null ? reply.problem() : problem;
                }
                if (done < measureFrom) {
                    warmup++;
                } else if (done <= until && reply.ok()) {
                    measured++; // only pushes answered 200 without an error count towards the rate
                    latencies.add(done - sent);
                    if (!serverWrites) {
                        answeredAt.put(text, done);
                    }
                }

            }
            lastID = id;
        }

        /**
         * Whether a pull of the client's group says every mutation answered with 200 was applied; for server writes,
         * whether the first and the last todo answered with 200 are there.
         */
        boolean confirmed(SyncClient checker) throws IOException, InterruptedException {
            if (serverWrites) {
                for (long id : lastID == 0 ? new long[0] : new long[] { 1, lastID }) {
                    SyncClient.Reply reply = checker.entry(space, clientID + "-" + id);
                    if (reply.status() != 200) {
                        problem = "todo " + clientID + "-" + id + " was answered with 200, the server API says "
                                + reply.problem();
                        return false;
                    }
                }
                return true;
            }
            SyncClient.Reply reply = checker.pull(space, group);
            if (!reply.ok()) {
                problem = problem == null ? "pull: " + reply.problem() : problem;
                return false;
            }
            JsonNode changes = SyncClient.JSON.readTree(reply.body()).path("lastMutationIDChanges");
            boolean confirmed = lastID == 0 || changes.path(clientID).asLong(-1) == lastID;
            if (!confirmed) {
                problem = "client " + clientID + " sent up to " + lastID + ", the server confirms "
                        + changes.path(clientID).asText("nothing");
            }
            return confirmed;
        }
    }
}
