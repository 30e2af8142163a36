package io.github.replicachequarkus.bench;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.locks.LockSupport;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A room's sockets coming back after a deploy or a drain. {@code bench.reconnect.sockets} sockets over
 * {@code bench.reconnect.rooms} rooms connect and catch up, so that the sockets of a room all hold the same cookie;
 * they close; a writer pushes {@code bench.reconnect.behind} changes into each room; then every socket reconnects
 * within {@code bench.reconnect.window}, evenly spread, and says hello with its client group and the cookie it held.
 * That storm comes {@code bench.reconnect.storms} times: the first meets a server whose JIT has not compiled the path
 * yet (as after a deploy of the JVM build), the later ones a warm one (a machine taking over another's rooms).
 * Measured: each hello from the connect to the poke answering it (p50/p99/max), failures, replies that are not
 * exactly right (the base cookie the socket sent, the room's latest version, and every change it missed), and the CPU
 * of the server, the database and the harness from the first reconnect to the last answer.
 */
final class Reconnect implements Scenario {

    private static final Pattern COOKIE = Pattern.compile("\"cookie\":(\\d+)");
    private static final Pattern BASE_COOKIE = Pattern.compile("\"baseCookie\":(\\d+|null)");
    private static final Pattern CHANGE_KEY = Pattern.compile("\"key\":\"w-\\d+\"");

    @Override
    public Result run(Target target, BenchOptions options) throws Exception {
        ProcessStats.SocketBudget budget = ProcessStats.socketBudget(target, options.reconnectSockets());
        int count = budget.count();
        if (count == 0) {
            return Result.skipped("reconnect", budget.limitedBy());
        }
        int roomCount = Math.max(1, Math.min(options.reconnectRooms(), count));
        int behind = options.reconnectBehind();
        Duration window = options.reconnectWindow();
        List<String> rooms = new ArrayList<>();
        for (int i = 0; i < roomCount; i++) {
            rooms.add(Scenario.id("bench-reconnect"));
        }
        String run = Scenario.id("rc");
        BenchSocket.Hello[] identities = new BenchSocket.Hello[count];
        for (int i = 0; i < count; i++) {
            identities[i] = new BenchSocket.Hello(run + "-c" + i, run + "-g" + i, "null");
        }
        try (SyncClient sync = new SyncClient(target);
                BenchSocket.Clients clients = new BenchSocket.Clients()) {
            for (String room : rooms) {
                sync.seedTodos(room, "seed", 50, 50);
            }

            // Everyone connects and catches up: the cookie each socket then holds.
            Bench.log(String.format("reconnect: %,d sockets connect and catch up", count));
            BenchSocket.Opened first = BenchSocket.openAll(clients, target, count, options.idleConcurrency(),
                    i -> rooms.get(i % roomCount), i -> (arrived, text) -> {
                    }, i -> identities[i]);
            long[] cookies = new long[count];
            for (int i = 0; i < count; i++) {
                BenchSocket socket = first.byIndex().get(i);
                cookies[i] = socket == null ? -1 : number(COOKIE, socket.helloReply());
            }
            int[] missed = new int[count]; // changes pushed since the cookie each socket holds
            List<BenchSocket> open = first.sockets();
            List<Storm> storms = new ArrayList<>();
            long writeErrors = 0;
            for (int round = 0; round < options.reconnectStorms(); round++) {
                open.forEach(BenchSocket::close);
                Thread.sleep(2000); // the server sees the closes

                // The rooms move on while their clients are away.
                for (int change = round * behind; change < (round + 1) * behind; change++) {
                    for (int r = 0; r < roomCount; r++) {
                        if (sync.pushChange(rooms.get(r), run + "-writer-" + r, run + "-w-" + r, change + 1, change)
                                .status() != 200) {
                            writeErrors++;
                        }
                    }
                }

                Bench.log(String.format("reconnect: storm %d of %d: %,d sockets reconnect within %.1f s, %d changes"
                        + " behind", round + 1, options.reconnectStorms(), count, window.toMillis() / 1000.0, behind));
                for (int i = 0; i < count; i++) {
                    missed[i] += behind;
                }
                Storm storm = storm(target, clients, rooms, identities, cookies, missed, window);
                Bench.log("reconnect: storm " + (round + 1) + ": " + storm.describe());
                storms.add(storm);
                open = storm.back();
            }
            open.forEach(BenchSocket::close);
            Thread.sleep(2000);

            long errors = first.failures() + writeErrors;
            boolean met = budget.limitedBy() == null;
            for (Storm storm : storms) {
                errors += storm.failures() + storm.wrong();
                met &= storm.failures() == 0 && storm.wrong() == 0 && storm.hellos().count() > 0
                        && storm.hellos().millis(0.99) <= 3000;
            }
            List<String> told = new ArrayList<>();
            for (int i = 0; i < storms.size(); i++) {
                told.add((storms.size() == 1 ? ""
                        : i == 0 ? "first storm (the server's JIT still cold): "
                                : "storm " + (i + 1) + ": ")
                        + storms.get(i).describe());
            }
            Storm last = storms.getLast();
            List<Map<String, Object>> stormsJson = new ArrayList<>();
            for (Storm storm : storms) {
                stormsJson.add(storm.json());
            }
            return new Result("reconnect")
                    .summary(String.format("%,d sockets over %d room(s), %d changes behind; %s%s", count, roomCount,
                            behind, String.join("; ", told), budget.limitedBy() == null ? ""
                                    : String.format(" (%,d asked for; %s)", options.reconnectSockets(),
                                            budget.limitedBy())))
                    .target("in every storm, every hello answered correctly within 3 s (p99), none failed", met)
                    .throughput(last.back().size() / Scenario.seconds(last.allAnswered()), "hellos answered/s")
                    .errors(errors)
                    .put("requested", options.reconnectSockets())
                    .put("sockets", count)
                    .put("limitedBy", budget.limitedBy())
                    .put("rooms", roomCount)
                    .put("changesBehind", behind)
                    .put("firstConnectFailures", first.failures())
                    .put("firstConnectProblems", first.problems())
                    .put("firstConnect", first.handshakes().summary())
                    .put("writeErrors", writeErrors)
                    .put("storms", stormsJson);
        }
    }

    /** One storm: every socket back within the window, measured; the sockets that came back, to close before the next. */
    private record Storm(long connectsSpread, long allAnswered, Latencies hellos, Latencies greetings,
            Latencies afterGreeting, int failures, int wrong, List<String> problems, Map<String, Object> cores,
            long listenOverflows, List<BenchSocket> back) {

        String describe() {
            return String.format("back within %.1f s: hello p50 %.0f ms, p99 %.0f ms, max %.0f ms (greeting p99 %.0f ms,"
                    + " then the reply p99 %.0f ms); all answered after %.2f s; %d failed, %d wrong; CPU server %s,"
                    + " database %s, harness %s cores",
                    Scenario.seconds(connectsSpread), hellos.millis(0.5), hellos.millis(0.99), hellos.millis(1.0),
                    greetings.millis(0.99), afterGreeting.millis(0.99),
                    Scenario.seconds(allAnswered), failures, wrong,
                    shown(cores.get("server")), shown(cores.get("database")), shown(cores.get("harness")));
        }

        private static Object shown(Object cores) {
            return cores == null ? "?" : cores;
        }

        Map<String, Object> json() {
            Map<String, Object> json = new LinkedHashMap<>();
            json.put("connectsSpreadSeconds", Latencies.round(Scenario.seconds(connectsSpread)));
            json.put("allAnsweredSeconds", Latencies.round(Scenario.seconds(allAnswered)));
            json.put("hello", hellos.summary());
            json.put("greeting", greetings.summary());
            json.put("helloAfterGreeting", afterGreeting.summary());
            json.put("listenOverflows", listenOverflows);
            json.put("failures", failures);
            json.put("wrongReplies", wrong);
            json.put("problems", problems);
            json.put("cpuCores", cores);
            return json;
        }
    }

    /**
     * Every socket comes back within the window, evenly spread, each with its client group and the cookie it held, and
     * is checked: the base cookie it sent, its room's latest version, and exactly the changes it missed. A socket answered
     * holds from then on the cookie it was answered with, and has missed nothing.
     */
    private static Storm storm(Target target, BenchSocket.Clients clients, List<String> rooms,
            BenchSocket.Hello[] identities, long[] cookies, int[] missed, Duration window) {
        int count = identities.length;
        int roomCount = rooms.size();
        List<CompletableFuture<BenchSocket>> opening = new ArrayList<>();
        long[] took = new long[count];
        long[] begun = new long[count];
        long spacing = window.toNanos() / count;
        ProcessStats.CpuUse cpu = new ProcessStats.CpuUse(target);
        long overflowsBefore = ProcessStats.listenOverflows();
        long start = System.nanoTime();
        for (int i = 0; i < count; i++) {
            long due = start + i * spacing;
            long wait = due - System.nanoTime();
            if (wait > 0) {
                LockSupport.parkNanos(wait);
            }
            begun[i] = System.nanoTime();
            int index = i;
            BenchSocket.Hello back = new BenchSocket.Hello(identities[i].clientID(), identities[i].clientGroupID(),
                    cookies[i] < 0 ? "null" : String.valueOf(cookies[i]));
            opening.add(BenchSocket.open(clients, target, rooms.get(i % roomCount), back, (arrived, text) -> {
            }, Duration.ofSeconds(30)).whenComplete((opened, failure) -> took[index] = System.nanoTime() - begun[index]));
        }
        long connectsSpread = System.nanoTime() - start;
        Latencies hellos = new Latencies();
        Latencies greetings = new Latencies();
        Latencies afterGreeting = new Latencies();
        List<BenchSocket> back = new ArrayList<>();
        List<String> problems = new ArrayList<>();
        Map<Integer, Long> versions = new HashMap<>();
        List<Integer> answered = new ArrayList<>();
        int failures = 0;
        for (int i = 0; i < count; i++) {
            try {
                BenchSocket socket = opening.get(i).join();
                back.add(socket);
                hellos.add(took[i]);
                greetings.add(socket.greetedNanos() - begun[i]);
                afterGreeting.add(took[i] - (socket.greetedNanos() - begun[i]));
                answered.add(i);
                versions.merge(i % roomCount, number(COOKIE, socket.helloReply()), Math::max);
            } catch (CompletionException e) {
                failures++;
                if (problems.size() < 5) {
                    problems.add(String.valueOf(e.getCause()));
                }
            }
        }
        long allAnswered = System.nanoTime() - start;
        Map<String, Object> cores = cpu.cores();
        int wrong = 0;
        for (int i : answered) {
            String reply = opening.get(i).join().helloReply();
            boolean right = (cookies[i] < 0 ? "null" : String.valueOf(cookies[i])).equals(text(BASE_COOKIE, reply))
                    && number(COOKIE, reply) == versions.get(i % roomCount)
                    && CHANGE_KEY.matcher(reply).results().count() == missed[i];
            if (!right) {
                wrong++;
                if (problems.size() < 5) {
                    problems.add("socket " + i + " held " + cookies[i] + ", got "
                            + (reply.length() > 300 ? reply.substring(0, 300) + "..." : reply));
                }
            }
            cookies[i] = number(COOKIE, reply);
            missed[i] = 0;
        }
        return new Storm(connectsSpread, allAnswered, hellos, greetings, afterGreeting, failures, wrong, problems, cores,
                ProcessStats.listenOverflows() - overflowsBefore, back);
    }

    private static long number(Pattern pattern, String text) {
        String found = text(pattern, text);
        return found == null || found.equals("null") ? -1 : Long.parseLong(found);
    }

    private static String text(Pattern pattern, String text) {
        if (text == null) {
            return null;
        }
        Matcher matcher = pattern.matcher(text);
        return matcher.find() ? matcher.group(1) : null;
    }
}
