package io.github.replicachequarkus.bench;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
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
 * Measured: each hello from the connect to the poke answering it (p50/p99/max), failures, and replies that are not
 * exactly right (the base cookie the socket sent, the room's latest version, and every change it missed).
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
                BenchSocket.Clients clients = new BenchSocket.Clients(Runtime.getRuntime().availableProcessors())) {
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
            first.sockets().forEach(BenchSocket::close);
            Thread.sleep(2000); // the server sees the closes

            // The rooms move on while their clients are away.
            long writeErrors = 0;
            for (int change = 0; change < behind; change++) {
                for (int r = 0; r < roomCount; r++) {
                    if (sync.pushChange(rooms.get(r), run + "-writer-" + r, run + "-w-" + r, change + 1, change)
                            .status() != 200) {
                        writeErrors++;
                    }
                }
            }

            // Everyone comes back within the window, each with its client group and the cookie it held.
            Bench.log(String.format("reconnect: %,d sockets reconnect within %.1f s, %d changes behind", count,
                    window.toMillis() / 1000.0, behind));
            List<CompletableFuture<BenchSocket>> opening = new ArrayList<>();
            long[] took = new long[count];
            long spacing = window.toNanos() / count;
            long start = System.nanoTime();
            for (int i = 0; i < count; i++) {
                long due = start + i * spacing;
                long wait = due - System.nanoTime();
                if (wait > 0) {
                    LockSupport.parkNanos(wait);
                }
                long begun = System.nanoTime();
                int index = i;
                BenchSocket.Hello back = new BenchSocket.Hello(identities[i].clientID(), identities[i].clientGroupID(),
                        cookies[i] < 0 ? "null" : String.valueOf(cookies[i]));
                opening.add(BenchSocket.open(clients.next(), target, rooms.get(i % roomCount), back, (arrived, text) -> {
                }, Duration.ofSeconds(30)).whenComplete((opened, failure) -> took[index] = System.nanoTime() - begun));
            }
            long connectsSpread = System.nanoTime() - start;
            Latencies hellos = new Latencies();
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
            int wrong = 0;
            for (int i : answered) {
                String reply = opening.get(i).join().helloReply();
                boolean right = String.valueOf(cookies[i]).equals(text(BASE_COOKIE, reply))
                        && number(COOKIE, reply) == versions.get(i % roomCount)
                        && CHANGE_KEY.matcher(reply).results().count() == behind;
                if (!right) {
                    wrong++;
                    if (problems.size() < 5) {
                        problems.add("socket " + i + " held " + cookies[i] + ", got "
                                + (reply.length() > 300 ? reply.substring(0, 300) + "..." : reply));
                    }
                }
            }
            back.forEach(BenchSocket::close);
            Thread.sleep(2000);

            long errors = first.failures() + writeErrors + failures + wrong;
            double p99 = hellos.count() == 0 ? Double.NaN : hellos.millis(0.99);
            return new Result("reconnect")
                    .summary(String.format(
                            "%,d sockets over %d room(s) back within %.1f s, %d changes behind: hello p50 %.0f ms, p99 %.0f ms, max %.0f ms; all answered after %.2f s; %d failed, %d wrong%s",
                            count, roomCount, Scenario.seconds(connectsSpread), behind,
                            hellos.count() == 0 ? Double.NaN : hellos.millis(0.5), p99,
                            hellos.count() == 0 ? Double.NaN : hellos.millis(1.0), Scenario.seconds(allAnswered), failures,
                            wrong, budget.limitedBy() == null ? ""
                                    : String.format(" (%,d asked for; %s)", options.reconnectSockets(),
                                            budget.limitedBy())))
                    .target("every hello answered correctly within 3 s (p99), none failed",
                            errors == 0 && p99 <= 3000 && budget.limitedBy() == null)
                    .throughput(answered.size() / Scenario.seconds(allAnswered), "hellos answered/s")
                    .errors(errors)
                    .put("requested", options.reconnectSockets())
                    .put("sockets", count)
                    .put("limitedBy", budget.limitedBy())
                    .put("rooms", roomCount)
                    .put("changesBehind", behind)
                    .put("firstConnectFailures", first.failures())
                    .put("firstConnect", first.handshakes().summary())
                    .put("writeErrors", writeErrors)
                    .put("connectsSpreadSeconds", Latencies.round(Scenario.seconds(connectsSpread)))
                    .put("allAnsweredSeconds", Latencies.round(Scenario.seconds(allAnswered)))
                    .put("hello", hellos.summary())
                    .put("failures", failures)
                    .put("wrongReplies", wrong)
                    .put("problems", problems);
        }
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
