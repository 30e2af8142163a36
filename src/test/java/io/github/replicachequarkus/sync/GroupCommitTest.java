package io.github.replicachequarkus.sync;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import io.github.replicachequarkus.protocol.InvalidRequestException;

@Timeout(10)
class GroupCommitTest {

    /** Runs the drains and hands out results, as Quarkus's worker pool does. */
    private static final Executor WORKERS = Executors.newVirtualThreadPerTaskExecutor();

    /** Records every batch it runs; the first batch of a key can be held until released. */
    private static final class Recorder implements GroupCommit.Batch<String, String> {
        final List<List<String>> batches = Collections.synchronizedList(new ArrayList<>());
        final CountDownLatch firstStarted = new CountDownLatch(1);
        final CountDownLatch releaseFirst = new CountDownLatch(1);

        @Override
        public List<GroupCommit.Result<String>> run(List<String> items) {
            batches.add(items);
            if (firstStarted.getCount() > 0) {
                firstStarted.countDown();
                await(releaseFirst);
            }
            if (items.size() > 1 && items.contains("bad")) {
                throw new IllegalStateException("a bug triggered by one item");
            }
            if (items.contains("down")) {
                throw new IllegalStateException("database down");
            }
            return items.stream()
                    .map(item -> item.equals("bad") ? GroupCommit.Result.<String> failed(new IllegalArgumentException(item))
                            : item.equals("stranger")
                                    ? GroupCommit.Result.<String> failed(new InvalidRequestException("X", item))
                                    : GroupCommit.Result.of(item.toUpperCase()))
                    .toList();
        }
    }

    private final Recorder recorder = new Recorder();
    private final GroupCommit<String, String> commits = new GroupCommit<>(WORKERS, recorder,
            failure -> failure.getMessage().equals("database down"), String::length, 4, 100, Integer.MAX_VALUE);

    @Test
    void aFullQueueRefusesWorkAtOnceAndTakesItAgainOnceDrained() throws Exception {
        Recorder recorder = new Recorder();
        GroupCommit<String, String> commits = new GroupCommit<>(WORKERS, recorder, failure -> false, String::length, 4,
                100, 12);
        CompletableFuture<String> running = commits.submitAsync("s", "held");
        await(recorder.firstStarted);
        CompletableFuture<String> first = commits.submitAsync("s", "aaaaaa"); // 6 of the 12 a queue may hold
        CompletableFuture<String> second = commits.submitAsync("s", "bbbbbb"); // 12
        CompletableFuture<String> refused = commits.submitAsync("s", "c");
        ExecutionException failure = assertThrows(ExecutionException.class, () -> refused.get(1, TimeUnit.SECONDS));
        assertInstanceOf(BusyException.class, failure.getCause());
        assertEquals("BBBBBB", commits.submitAsync("other", "bbbbbb").get(5, TimeUnit.SECONDS),
                "another key's queue is its own");

        recorder.releaseFirst.countDown();
        assertEquals("HELD", running.get(5, TimeUnit.SECONDS));
        assertEquals("AAAAAA", first.get(5, TimeUnit.SECONDS));
        assertEquals("BBBBBB", second.get(5, TimeUnit.SECONDS));
        assertEquals("C", commits.submitAsync("s", "c").get(5, TimeUnit.SECONDS), "drained, it takes work again");
        assertEquals("DDDDDDDDDDDDDDDDDDDD", commits.submitAsync("s", "dddddddddddddddddddd").get(5, TimeUnit.SECONDS),
                "an item heavier than the bound is taken when the queue is empty");
    }

    @Test
    void workArrivingDuringABatchRunsTogetherInTheNextOne() throws Exception {
        try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            CompletableFuture<String> first = CompletableFuture.supplyAsync(() -> commits.submit("s", "first"), pool);
            await(recorder.firstStarted);
            List<CompletableFuture<String>> waiting = new ArrayList<>();
            for (String item : List.of("a", "b", "c")) {
                waiting.add(CompletableFuture.supplyAsync(() -> commits.submit("s", item), pool));
            }
            awaitQueued(3);
            recorder.releaseFirst.countDown();

            assertEquals("FIRST", first.get());
            assertEquals(List.of("A", "B", "C"), waiting.stream().map(CompletableFuture::join).sorted().toList());
        }
        assertEquals(2, recorder.batches.size(), "one batch for the first, one for all that waited");
        assertEquals(List.of("a", "b", "c"), recorder.batches.get(1).stream().sorted().toList());
        awaitIdle("an idle key holds nothing");
    }

    @Test
    void aBatchHoldsAtMostItsLimitOfItemsAndWeight() throws Exception {
        try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            CompletableFuture<String> first = CompletableFuture.supplyAsync(() -> commits.submit("s", "first"), pool);
            await(recorder.firstStarted);
            List<CompletableFuture<String>> waiting = new ArrayList<>();
            for (int i = 0; i < 6; i++) {
                String item = "i" + i;
                waiting.add(CompletableFuture.supplyAsync(() -> commits.submit("s", item), pool));
                awaitQueued(i + 1); // in this order
            }
            String heavy = "h".repeat(97);
            waiting.add(CompletableFuture.supplyAsync(() -> commits.submit("s", heavy), pool));
            awaitQueued(7);
            recorder.releaseFirst.countDown();
            first.get();
            waiting.forEach(CompletableFuture::join);
        }
        List<List<String>> batches = recorder.batches.subList(1, recorder.batches.size());
        assertEquals(List.of(List.of("i0", "i1", "i2", "i3"), List.of("i4", "i5"), List.of("h".repeat(97))), batches,
                "four items at most, and no more than 100 in weight unless alone");
    }

    @Test
    void keysDoNotWaitForEachOther() throws Exception {
        try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            CompletableFuture<String> held = CompletableFuture.supplyAsync(() -> commits.submit("s1", "held"), pool);
            await(recorder.firstStarted);
            assertEquals("OTHER", commits.submit("s2", "other"), "another key runs while s1's batch is held");
            recorder.releaseFirst.countDown();
            assertEquals("HELD", held.get());
        }
    }

    @Test
    void whatWaitsOnABatchsResultDoesNotHoldUpTheNextBatch() {
        CountDownLatch consumerBlocked = new CountDownLatch(1);
        CountDownLatch releaseConsumer = new CountDownLatch(1);
        // The recorder holds the first batch, so the callback is attached before the result exists.
        CompletableFuture<String> first = commits.submitAsync("s", "first").thenApply(result -> {
            consumerBlocked.countDown();
            await(releaseConsumer); // a slow reply to the first push
            return result;
        });
        recorder.releaseFirst.countDown();
        await(consumerBlocked);
        assertEquals("SECOND", commits.submit("s", "second"), "the next batch ran while the first's reply was stuck");
        releaseConsumer.countDown();
        assertEquals("FIRST", first.join());
    }

    @Test
    void eachItemKeepsItsOwnFailure() {
        recorder.releaseFirst.countDown();
        assertEquals("OK", commits.submit("s", "ok"));
        InvalidRequestException stranger = assertThrows(InvalidRequestException.class,
                () -> commits.submit("s", "stranger"));
        assertEquals("stranger", stranger.getMessage());
    }

    @Test
    void aBatchThatFailsAsAWholeRunsItsItemsAloneSoOnlyTheCulpritFails() throws Exception {
        List<CompletableFuture<String>> waiting = new ArrayList<>();
        try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            CompletableFuture<String> first = CompletableFuture.supplyAsync(() -> commits.submit("s", "first"), pool);
            await(recorder.firstStarted);
            for (String item : List.of("a", "bad", "c")) {
                waiting.add(CompletableFuture.supplyAsync(() -> commits.submit("s", item), pool));
                awaitQueued(waiting.size());
            }
            recorder.releaseFirst.countDown();
            first.get();
            assertEquals("A", waiting.get(0).join());
            assertEquals("C", waiting.get(2).join());
            Throwable bad = assertThrows(Exception.class, () -> waiting.get(1).join()).getCause();
            assertTrue(bad instanceof IllegalArgumentException, "the culprit's own failure: " + bad);
        }
        assertEquals(List.of(List.of("first"), List.of("a", "bad", "c"), List.of("a"), List.of("bad"), List.of("c")),
                recorder.batches);
    }

    @Test
    void aSharedFailureFailsTheWholeBatchWithoutRunningItsItemsAgain() throws Exception {
        List<CompletableFuture<String>> waiting = new ArrayList<>();
        try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            CompletableFuture<String> first = CompletableFuture.supplyAsync(() -> commits.submit("s", "first"), pool);
            await(recorder.firstStarted);
            for (String item : List.of("a", "down")) {
                waiting.add(CompletableFuture.supplyAsync(() -> commits.submit("s", item), pool));
                awaitQueued(waiting.size());
            }
            recorder.releaseFirst.countDown();
            first.get();
            for (CompletableFuture<String> item : waiting) {
                Throwable failure = assertThrows(Exception.class, item::join).getCause();
                assertEquals("database down", failure.getMessage());
            }
        }
        assertEquals(2, recorder.batches.size(), "no item ran again alone");
    }

    @Test
    void manyThreadsOnOneKeyAllGetTheirOwnResult() throws Exception {
        recorder.releaseFirst.countDown();
        AtomicInteger wrong = new AtomicInteger();
        try (ExecutorService pool = Executors.newFixedThreadPool(16)) {
            List<CompletableFuture<Void>> all = new ArrayList<>();
            for (int i = 0; i < 2_000; i++) {
                String item = "x" + i;
                all.add(CompletableFuture.runAsync(() -> {
                    if (!commits.submit("s" + (item.hashCode() & 1), item).equals(item.toUpperCase())) {
                        wrong.incrementAndGet();
                    }
                }, pool));
            }
            all.forEach(CompletableFuture::join);
        }
        assertEquals(0, wrong.get());
        assertEquals(2_000, recorder.batches.stream().mapToInt(List::size).sum(), "each item ran exactly once");
        awaitIdle("every key went idle");
    }

    /** Waits until this many submitters are parked behind the held first batch. */
    /**
     * Waits for every key to leave the map: a batch's answers go out before its drain finds the queue empty and retires
     * the key, so a caller may see its result a moment before that.
     */
    private void awaitIdle(String what) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (commits.busyKeys() > 0) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError(what + ": " + commits.busyKeys() + " key(s) still busy after 5 s");
            }
            Thread.sleep(1);
        }
    }

    private void awaitQueued(int count) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (commits.queued("s") < count) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("only " + commits.queued("s") + " of " + count + " queued");
            }
            Thread.sleep(1);
        }
    }

    private static void await(CountDownLatch latch) {
        try {
            if (!latch.await(5, TimeUnit.SECONDS)) {
                throw new AssertionError("timed out");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
