package io.github.replicachequarkus.sync;

import static io.github.replicachequarkus.testing.RandomCases.check;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import io.github.replicachequarkus.protocol.InvalidRequestException;

/**
 * Group commit under random concurrent load: several threads submit items to a few keys, some of which fail alone
 * ("bad": a bug that fails any batch holding it with others) or get a failure of their own ("stranger"). Every
 * submitter must get its own item's result, a key's batches must never overlap, every batch must keep to its limits,
 * every item must be committed (in a batch that returned) exactly once, and idle keys must be let go.
 */
@Timeout(60)
class GroupCommitPropertyTest {

    /** Runs the drains and hands out results, as Quarkus's worker pool does. */
    private static final Executor WORKERS = Executors.newVirtualThreadPerTaskExecutor();

    private static final int MAX_ITEMS = 4;
    private static final int MAX_WEIGHT = 10;

    /** Runs batches, recording them, and failing like PushService's batch does for "bad" and "stranger" items. */
    private static final class Recorder implements GroupCommit.Batch<String, String> {
        final Map<String, AtomicInteger> running = new ConcurrentHashMap<>();
        final List<String> overlaps = Collections.synchronizedList(new ArrayList<>());
        final List<List<String>> committed = Collections.synchronizedList(new ArrayList<>());
        final List<List<String>> batches = Collections.synchronizedList(new ArrayList<>());

        @Override
        public List<GroupCommit.Result<String>> run(List<String> items) {
            String key = items.get(0).substring(0, items.get(0).indexOf(':'));
            AtomicInteger inKey = running.computeIfAbsent(key, k -> new AtomicInteger());
            if (inKey.incrementAndGet() > 1) {
                overlaps.add(key + " " + items);
            }
            try {
                batches.add(List.copyOf(items));
                LockSupport.parkNanos(50_000); // a transaction takes a while, so that others queue up
                if (items.size() > 1 && items.stream().anyMatch(item -> item.contains("bad"))) {
                    throw new IllegalStateException("a bug triggered by one item");
                }
                committed.add(List.copyOf(items));
                return items.stream().map(item -> item.contains("bad")
                        ? GroupCommit.Result.<String> failed(new IllegalArgumentException(item))
                        : item.contains("stranger") ? GroupCommit.Result.<String> failed(new InvalidRequestException("X", item))
                                : GroupCommit.Result.of(item.toUpperCase()))
                        .toList();
            } finally {
                inKey.decrementAndGet();
            }
        }
    }

    @Test
    void everySubmitterGetsItsOwnResultAndEveryItemIsCommittedOnce() {
        check("group commit", 150, random -> {
            Recorder recorder = new Recorder();
            GroupCommit<String, String> commits = new GroupCommit<>(WORKERS, recorder, failure -> false,
                    item -> 1 + item.length() % 4, MAX_ITEMS, MAX_WEIGHT, Integer.MAX_VALUE);
            int threads = 2 + random.nextInt(7);
            int keys = 1 + random.nextInt(3);
            List<List<String>> work = new ArrayList<>();
            for (int thread = 0; thread < threads; thread++) {
                List<String> items = new ArrayList<>();
                for (int i = 1 + random.nextInt(5); i > 0; i--) {
                    String kind = switch (random.nextInt(12)) {
                        case 0 -> "bad";
                        case 1 -> "stranger";
                        default -> "ok";
                    };
                    items.add("k" + random.nextInt(keys) + ":" + kind + "-" + thread + "-" + i);
                }
                work.add(items);
            }

            CountDownLatch start = new CountDownLatch(1);
            List<CompletableFuture<Void>> done = new ArrayList<>();
            try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
                for (List<String> items : work) {
                    done.add(CompletableFuture.runAsync(() -> {
                        await(start);
                        for (String item : items) {
                            String key = item.substring(0, item.indexOf(':'));
                            if (item.contains("bad")) {
                                assertEquals(item, assertThrows(IllegalArgumentException.class,
                                        () -> commits.submit(key, item)).getMessage());
                            } else if (item.contains("stranger")) {
                                assertEquals(item, assertThrows(InvalidRequestException.class,
                                        () -> commits.submit(key, item)).getMessage());
                            } else {
                                assertEquals(item.toUpperCase(), commits.submit(key, item));
                            }
                        }
                    }, pool));
                }
                start.countDown();
                CompletableFuture.allOf(done.toArray(CompletableFuture[]::new)).get(30, TimeUnit.SECONDS);
            }

            assertEquals(List.of(), recorder.overlaps, "batches of one key ran at the same time");
            for (List<String> batch : recorder.batches) {
                int weight = batch.stream().mapToInt(item -> 1 + item.length() % 4).sum();
                assertTrue(batch.size() <= MAX_ITEMS && (batch.size() == 1 || weight <= MAX_WEIGHT), "too big: " + batch);
                assertEquals(1, batch.stream().map(item -> item.substring(0, item.indexOf(':'))).distinct().count(),
                        "one key per batch: " + batch);
            }
            List<String> once = recorder.committed.stream().flatMap(List::stream).sorted().toList();
            assertEquals(work.stream().flatMap(List::stream).sorted().toList(), once, "each item committed once");
            // A key's drain lets it go once it finds the queue empty, just after handing out the last results.
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
            while (commits.busyKeys() > 0 && System.nanoTime() < deadline) {
                Thread.onSpinWait();
            }
            assertEquals(0, commits.busyKeys(), "idle keys are let go");
        });
    }

    private static void await(CountDownLatch latch) {
        try {
            latch.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
