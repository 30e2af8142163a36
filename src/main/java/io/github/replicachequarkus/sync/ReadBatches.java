package io.github.replicachequarkus.sync;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Semaphore;
import java.util.function.BiFunction;

/**
 * Reads that callers with the same key share: at most one read runs per key, and the callers that arrive while it runs
 * are served together by the next one, which the first of them runs on its own thread (as group commit batches pushes).
 * A caller alone is served at once by a read of its own; under a storm of callers (a room's sockets all saying hello
 * with one cookie after a deploy) each read serves everyone who came during the one before.
 * <p>
 * At most {@code concurrency} reads run at once, over all keys. A read that waits for its turn takes in the callers of
 * its key that came meanwhile: when many keys are busy at once (a hundred rooms reconnecting), each read serves more
 * callers, instead of every key running small reads side by side on threads the machine's cores cannot all serve.
 *
 * @param <K> what makes two callers' reads the same
 * @param <C> a caller
 * @param <R> what a caller gets
 */
final class ReadBatches<K, C, R> {

    /** What the first caller of the next batch is handed instead of a result: the batch it now runs. */
    private record Lead<C>(List<Waiter<C>> batch) {
    }

    private static final class Waiter<C> {

        final C caller;
        final CompletableFuture<Object> outcome = new CompletableFuture<>();

        Waiter(C caller) {
            this.caller = caller;
        }
    }

    /** A key's read in progress, and the callers waiting for the next. Guarded by the instance. */
    private static final class Pending<C> {
        List<Waiter<C>> next;
    }

    private final Map<K, Pending<C>> running = new HashMap<>();
    private final Semaphore turns;

    /** @param concurrency the most reads that run at once, over all keys */
    ReadBatches(int concurrency) {
        if (concurrency < 1) {
            throw new IllegalArgumentException("at least one read must be able to run");
        }
        this.turns = new Semaphore(concurrency, true);
    }

    /**
     * What {@code read} gives {@code caller}, from a read shared with the callers of the same key that came while the
     * previous read of the key ran. {@code read} gets the key and the batch's callers, in the order they came, and
     * returns each caller's result in that order; what it throws, every caller of the batch throws.
     */
    R read(K key, C caller, BiFunction<K, List<C>, List<R>> read) {
        Waiter<C> self = new Waiter<>(caller);
        List<Waiter<C>> batch = null;
        synchronized (this) {
            Pending<C> pending = running.get(key);
            if (pending == null) {
                running.put(key, new Pending<>());
                batch = List.of(self);
            } else {
                if (pending.next == null) {
                    pending.next = new ArrayList<>();
                }
                pending.next.add(self);
            }
        }
        if (batch == null) {
            Object outcome;
            try {
                outcome = self.outcome.join();
            } catch (CompletionException e) {
                if (e.getCause() instanceof Error error) {
                    throw error;
                }
                throw e.getCause() instanceof RuntimeException failure ? failure : e;
            }
            if (!(outcome instanceof Lead<?> lead)) {
                @SuppressWarnings("unchecked")
                R result = (R) outcome;
                return result;
            }
            @SuppressWarnings("unchecked")
            List<Waiter<C>> led = (List<Waiter<C>>) (List<?>) lead.batch();
            batch = led;
        }
        return lead(key, batch, self, read);
    }

    /**
     * Waits for a turn, takes in the callers that came meanwhile, runs the batch's read, hands every other caller its
     * result, then the next batch to its first caller.
     */
    private R lead(K key, List<Waiter<C>> led, Waiter<C> self, BiFunction<K, List<C>, List<R>> read) {
        turns.acquireUninterruptibly();
        try {
            List<Waiter<C>> batch = takeIn(key, led);
            List<R> results;
            try {
                results = read.apply(key, batch.stream().map(waiter -> waiter.caller).toList());
            } catch (RuntimeException | Error e) { // an Error too: no caller of the batch may wait for ever
                batch.stream().filter(waiter -> waiter != self).forEach(waiter -> waiter.outcome.completeExceptionally(e));
                throw e;
            }
            if (results.size() != batch.size()) {
                IllegalStateException wrong = new IllegalStateException(
                        "a batch read gave " + results.size() + " results for " + batch.size() + " callers");
                batch.stream().filter(waiter -> waiter != self).forEach(waiter -> waiter.outcome.completeExceptionally(wrong));
                throw wrong;
            }
            R own = null;
            for (int i = 0; i < batch.size(); i++) {
                if (batch.get(i) == self) {
                    own = results.get(i);
                } else {
                    batch.get(i).outcome.complete(results.get(i));
                }
            }
            return own;
        } finally {
            turns.release();
            handOver(key);
        }
    }

    /** The batch with the key's callers that came while it waited for its turn. */
    private synchronized List<Waiter<C>> takeIn(K key, List<Waiter<C>> batch) {
        Pending<C> pending = running.get(key);
        if (pending.next == null) {
            return batch;
        }
        List<Waiter<C>> all = new ArrayList<>(batch);
        all.addAll(pending.next);
        pending.next = null;
        return all;
    }

    private void handOver(K key) {
        List<Waiter<C>> next;
        synchronized (this) {
            Pending<C> pending = running.get(key);
            next = pending.next;
            pending.next = null;
            if (next == null) {
                running.remove(key);
            }
        }
        if (next != null) {
            next.get(0).outcome.complete(new Lead<>(next));
        }
    }

    /** How many keys have a read running (for tests). */
    synchronized int running() {
        return running.size();
    }

    /** How many callers of the key wait for its next read (for tests). */
    synchronized int waiting(K key) {
        Pending<C> pending = running.get(key);
        return pending == null || pending.next == null ? 0 : pending.next.size();
    }
}
