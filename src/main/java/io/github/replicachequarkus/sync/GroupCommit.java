package io.github.replicachequarkus.sync;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.Predicate;
import java.util.function.ToIntFunction;

/**
 * Group commit: the work submitted for one key (a lane of spaces) while that key's previous batch runs waits, and
 * then runs together with the other waiting work in one batch, so a hot space pays for one transaction per batch
 * rather than one per push, and its pushes no longer queue one by one on the space's row lock.
 * <p>
 * A key with work runs one drain task on the executor, which runs batch after batch until the key's queue is empty
 * and hands each batch's results over to the executor, so that the next batch starts at once. Submitters do not
 * wait on a thread of their own: they get a future. Items run in the order they arrived.
 * <p>
 * Each item keeps its own result: the batch returns one per item (a value or the exception for that item alone). When
 * the batch as a whole fails, its items get that failure if it is {@code shared} (the database is down, the space is
 * missing); otherwise each item runs again alone, so that one bad item cannot fail the others.
 *
 * @param <T> the work (a push)
 * @param <R> its result
 */
final class GroupCommit<T, R> {

    /** Runs a batch in one transaction: one result per item, in order, or throws when the batch failed as a whole. */
    @FunctionalInterface
    interface Batch<T, R> {
        List<Result<R>> run(List<T> items);
    }

    /** One item's result: a value or the exception to throw to its submitter. */
    record Result<R>(R value, RuntimeException failure) {

        static <R> Result<R> of(R value) {
            return new Result<>(value, null);
        }

        static <R> Result<R> failed(RuntimeException failure) {
            return new Result<>(null, failure);
        }

        void complete(CompletableFuture<R> future) {
            if (failure != null) {
                future.completeExceptionally(failure);
            } else {
                future.complete(value);
            }
        }
    }

    private final ConcurrentMap<String, Lane<T, R>> lanes = new ConcurrentHashMap<>();
    private final Executor executor;
    private final Batch<T, R> batch;
    private final Predicate<RuntimeException> shared;
    private final ToIntFunction<T> weight;
    private final int maxItems;
    private final int maxWeight;
    private final int maxQueuedWeight;

    /**
     * @param executor runs each key's drain (which blocks while its batch runs) and hands out results
     * @param shared whether a whole batch's failure is every item's (not worth running the items one by one)
     * @param weight an item's size (its mutations); a batch holds at most {@code maxWeight}, or one item
     * @param maxItems the most items in one batch
     * @param maxQueuedWeight the most weight a key's queue holds; more is refused with a {@link BusyException}
     */
    GroupCommit(Executor executor, Batch<T, R> batch, Predicate<RuntimeException> shared, ToIntFunction<T> weight,
            int maxItems, int maxWeight, int maxQueuedWeight) {
        this.maxQueuedWeight = maxQueuedWeight;
        this.executor = executor;
        this.batch = batch;
        this.shared = shared;
        this.weight = weight;
        this.maxItems = maxItems;
        this.maxWeight = maxWeight;
    }

    /**
     * Queues the item for the next batch of its key: its result, or its failure, comes in the future. It fails at once
     * with a {@link BusyException} when the key's queue holds as much weight as it may (an item alone is always taken).
     */
    CompletableFuture<R> submitAsync(String key, T item) {
        Ticket<T, R> ticket = new Ticket<>(item);
        int itemWeight = weight.applyAsInt(item);
        Lane<T, R> lane;
        boolean start;
        while (true) {
            lane = lanes.computeIfAbsent(key, k -> new Lane<>());
            synchronized (lane) {
                if (lane.retired) {
                    continue; // it went idle and left the map just now: take the next one
                }
                if (!lane.queue.isEmpty() && lane.queuedWeight + itemWeight > maxQueuedWeight) {
                    return CompletableFuture.failedFuture(new BusyException(
                            "%d mutations are waiting already; try again shortly".formatted(lane.queuedWeight)));
                }
                lane.queuedWeight += itemWeight;
                lane.queue.add(ticket);
                start = !lane.running;
                lane.running = true;
            }
            break;
        }
        if (start) {
            Lane<T, R> started = lane;
            try {
                executor.execute(() -> drain(key, started));
            } catch (RejectedExecutionException e) { // shutting down: nothing will run what is queued
                retire(key, lane).forEach(queued -> queued.result.completeExceptionally(e));
            }
        }
        return ticket.result;
    }

    /** Runs the item in the next batch of its key, and returns its result (or throws its failure). */
    R submit(String key, T item) {
        return join(submitAsync(key, item));
    }

    /** Waits for the result, and throws the failure itself (not wrapped) when there is one. */
    static <V> V join(CompletionStage<V> result) {
        try {
            return result.toCompletableFuture().join();
        } catch (CompletionException e) {
            throw e.getCause() instanceof RuntimeException failure ? failure : e;
        }
    }

    /** Keys with work queued or running. */
    int busyKeys() {
        return lanes.size();
    }

    /** Items of the key waiting for a batch (not counting those running). */
    int queued(String key) {
        Lane<T, R> lane = lanes.get(key);
        if (lane == null) {
            return 0;
        }
        synchronized (lane) {
            return lane.queue.size();
        }
    }

    /** Runs the key's batches, one after the other, until its queue is empty. */
    private void drain(String key, Lane<T, R> lane) {
        while (true) {
            List<Ticket<T, R>> tickets = new ArrayList<>();
            synchronized (lane) {
                int total = 0;
                while (!lane.queue.isEmpty() && tickets.size() < maxItems) {
                    int next = weight.applyAsInt(lane.queue.peek().item);
                    if (!tickets.isEmpty() && total + next > maxWeight) {
                        break;
                    }
                    total += next;
                    tickets.add(lane.queue.poll());
                    lane.queuedWeight -= next;
                }
                if (tickets.isEmpty()) {
                    lane.running = false;
                    lane.retired = true;
                    lanes.remove(key, lane);
                    return;
                }
            }
            List<Result<R>> results;
            try {
                results = runAll(tickets.stream().map(ticket -> ticket.item).toList());
            } catch (Throwable e) {
                RuntimeException failure = e instanceof RuntimeException runtime ? runtime : new IllegalStateException(e);
                tickets.forEach(ticket -> ticket.result.completeExceptionally(failure));
                if (e instanceof Error error) {
                    retire(key, lane).forEach(queued -> queued.result.completeExceptionally(failure));
                    throw error;
                }
                continue;
            }
            answer(tickets, results);
        }
    }

    /** Completes the batch's futures on another thread: what waits on them must not delay the next batch. */
    private void answer(List<Ticket<T, R>> tickets, List<Result<R>> results) {
        Runnable complete = () -> {
            for (int i = 0; i < tickets.size(); i++) {
                results.get(i).complete(tickets.get(i).result);
            }
        };
        try {
            executor.execute(complete);
        } catch (RejectedExecutionException e) {
            complete.run();
        }
    }

    /** Takes the key out of service after a failure that stops its drain; returns what was still queued. */
    private List<Ticket<T, R>> retire(String key, Lane<T, R> lane) {
        synchronized (lane) {
            List<Ticket<T, R>> queued = new ArrayList<>(lane.queue);
            lane.queue.clear();
            lane.queuedWeight = 0;
            lane.running = false;
            lane.retired = true;
            lanes.remove(key, lane);
            return queued;
        }
    }

    private List<Result<R>> runAll(List<T> items) {
        try {
            List<Result<R>> results = batch.run(items);
            if (results.size() != items.size()) {
                throw new IllegalStateException(results.size() + " results for " + items.size() + " items");
            }
            return results;
        } catch (RuntimeException e) {
            if (items.size() == 1 || shared.test(e)) {
                Result<R> failed = Result.failed(e);
                return items.stream().map(item -> failed).toList();
            }
            List<Result<R>> alone = new ArrayList<>();
            for (T item : items) {
                try {
                    alone.add(batch.run(List.of(item)).get(0));
                } catch (RuntimeException single) {
                    alone.add(Result.failed(single));
                }
            }
            return alone;
        }
    }

    private static final class Ticket<T, R> {
        final T item;
        final CompletableFuture<R> result = new CompletableFuture<>();

        Ticket(T item) {
            this.item = item;
        }
    }

    /** The queue of one key; guarded by its own monitor. */
    private static final class Lane<T, R> {
        final Queue<Ticket<T, R>> queue = new ArrayDeque<>();
        /** The weight of what is queued. */
        int queuedWeight;
        boolean running;
        boolean retired;
    }
}
