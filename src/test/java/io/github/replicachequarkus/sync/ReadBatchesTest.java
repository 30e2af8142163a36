package io.github.replicachequarkus.sync;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Shared reads: one at a time per key, the callers that come meanwhile served together by the next. */
class ReadBatchesTest {

    private final ReadBatches<String, String, String> batches = new ReadBatches<>(8);
    private final List<List<String>> reads = new CopyOnWriteArrayList<>();
    private final ExecutorService threads = Executors.newCachedThreadPool();

    @AfterEach
    void stop() {
        threads.shutdownNow();
    }

    /** Each caller's result names the read that served it and the caller. */
    private List<String> answer(String key, List<String> callers) {
        reads.add(List.copyOf(callers));
        return callers.stream().map(caller -> key + "#" + reads.size() + ":" + caller).toList();
    }

    @Test
    void aCallerAloneIsServedAtOnceByAReadOfItsOwn() {
        assertEquals("k#1:a", batches.read("k", "a", this::answer));
        assertEquals("k#2:b", batches.read("k", "b", this::answer));
        assertEquals(List.of(List.of("a"), List.of("b")), reads);
        assertEquals(0, batches.running());
    }

    @Test
    void callersThatComeWhileAReadRunsShareTheNextOneAndEachGetsItsOwnResult() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        Future<String> first = readHeldUntil(release, "k", "first");
        List<Future<String>> others = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            String caller = "c" + i;
            others.add(threads.submit(() -> batches.read("k", caller, this::answer)));
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> batches.waiting("k") == 20);
        release.countDown();

        assertEquals("k#1:first", first.get(10, TimeUnit.SECONDS));
        for (int i = 0; i < 20; i++) {
            assertEquals("k#2:c" + i, others.get(i).get(10, TimeUnit.SECONDS), "the second read, its own result");
        }
        assertEquals(2, reads.size(), "two reads for 21 callers: " + reads);
        assertEquals(20, reads.get(1).size());
        assertEquals(0, batches.running());
    }

    @Test
    void callersOfAnotherKeyDoNotWait() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        Future<String> slow = readHeldUntil(release, "a", "x");
        assertEquals("b#1:y", threads.submit(() -> batches.read("b", "y", this::answer)).get(10, TimeUnit.SECONDS));
        release.countDown();
        assertEquals("a#2:x", slow.get(10, TimeUnit.SECONDS));
    }

    @Test
    void aFailedReadFailsEveryCallerOfItsBatchAndTheNextBatchStillRuns() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        Future<String> first = readHeldUntil(release, "k", "first");
        List<Future<String>> failing = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            failing.add(threads.submit(() -> batches.read("k", "f", (key, callers) -> {
                throw new IllegalStateException("the database went away");
            })));
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> batches.waiting("k") == 5);
        release.countDown();
        assertEquals("k#1:first", first.get(10, TimeUnit.SECONDS));
        for (Future<String> caller : failing) {
            Exception e = assertThrows(Exception.class, () -> caller.get(10, TimeUnit.SECONDS));
            assertTrue(String.valueOf(e.getCause()).contains("the database went away"), String.valueOf(e));
        }
        assertEquals(0, batches.running());
        assertEquals("k#2:after", batches.read("k", "after", this::answer));
    }

    @Test
    void noMoreReadsRunAtOnceThanAllowedAndAReadWaitingItsTurnTakesInTheCallersThatCameMeanwhile() throws Exception {
        ReadBatches<String, String, String> oneAtATime = new ReadBatches<>(1);
        CountDownLatch release = new CountDownLatch(1);
        Future<String> held = readHeldUntil(oneAtATime, release, "a", "x");
        List<Future<String>> others = new ArrayList<>();
        others.add(threads.submit(() -> oneAtATime.read("b", "b0", this::answer)));
        await().atMost(Duration.ofSeconds(10)).until(() -> oneAtATime.running() == 2);
        for (int i = 1; i < 10; i++) {
            String caller = "b" + i;
            others.add(threads.submit(() -> oneAtATime.read("b", caller, this::answer)));
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> oneAtATime.waiting("b") == 9);
        assertEquals(List.of(), reads, "b's read waits for a's to end");
        release.countDown();

        assertEquals("a#1:x", held.get(10, TimeUnit.SECONDS));
        for (int i = 0; i < 10; i++) {
            assertEquals("b#2:b" + i, others.get(i).get(10, TimeUnit.SECONDS), "one read for b, each its own result");
        }
        assertEquals(2, reads.size(), "two reads: " + reads);
        assertEquals("b0", reads.get(1).getFirst(), "the caller that waited for the turn leads b's read");
        assertEquals(List.of("b0", "b1", "b2", "b3", "b4", "b5", "b6", "b7", "b8", "b9"),
                reads.get(1).stream().sorted().toList());
        assertEquals(0, oneAtATime.running());
    }

    @Test
    void aReadFailingFreesItsTurn() {
        ReadBatches<String, String, String> oneAtATime = new ReadBatches<>(1);
        assertThrows(IllegalStateException.class, () -> oneAtATime.read("a", "x", (key, callers) -> {
            throw new IllegalStateException("the database is gone");
        }));
        assertEquals("b#1:y", oneAtATime.read("b", "y", this::answer));
    }

    /** A caller's read that has begun and goes on once {@code release} opens. */
    private Future<String> readHeldUntil(CountDownLatch release, String key, String caller) throws InterruptedException {
        return readHeldUntil(batches, release, key, caller);
    }

    private Future<String> readHeldUntil(ReadBatches<String, String, String> batches, CountDownLatch release, String key,
            String caller) throws InterruptedException {
        CountDownLatch reading = new CountDownLatch(1);
        Future<String> read = threads.submit(() -> batches.read(key, caller, (readKey, callers) -> {
            reading.countDown();
            hold(release);
            return answer(readKey, callers);
        }));
        assertTrue(reading.await(10, TimeUnit.SECONDS), "the read began");
        return read;
    }

    private static void hold(CountDownLatch latch) {
        try {
            if (!latch.await(10, TimeUnit.SECONDS)) {
                throw new IllegalStateException("never released");
            }
        } catch (InterruptedException e) {
            throw new IllegalStateException(e);
        }
    }
}
