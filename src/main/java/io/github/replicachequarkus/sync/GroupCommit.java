package io.github.replicachequarkus.sync;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.function.Predicate;
import java.util.function.ToIntFunction;

/**
 * Group commit: the work submitted for one key (a space) while that key's previous batch runs waits, and then runs
 * together with the other waiting work in one batch, so a hot space pays for one transaction per batch rather than
 * one per push, and its pushes no longer queue one by one on the space's row lock.
 * <p>
 * The thread that finds a key idle runs the batch itself (the leader). The others park until their result is ready,
 * or until the leader, done with its own batch, hands them the lead for the next one; so no thread works for others
 * longer than one batch. Items run in the order they arrived.
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

        R get() {
            if (failure != null) {
                throw failure;
            }
            return value;
        }
    }

    private final ConcurrentMap<String, Lane<T, R>> lanes = new ConcurrentHashMap<>();
    private final Batch<T, R> batch;
    private final Predicate<RuntimeException> shared;
    private final ToIntFunction<T> weight;
    private final int maxItems;
    private final int maxWeight;

    /**
     * @param shared whether a whole batch's failure is every item's (not worth running the items one by one)
     * @param weight an item's size (its mutations); a batch holds at most {@code maxWeight}, or one item
     * @param maxItems the most items in one batch
     */
    GroupCommit(Batch<T, R> batch, Predicate<RuntimeException> shared, ToIntFunction<T> weight, int maxItems,
            int maxWeight) {
        this.batch = batch;
        this.shared = shared;
        this.weight = weight;
        this.maxItems = maxItems;
        this.maxWeight = maxWeight;
    }

    /** Runs the item in the next batch of its key, and returns its result (or throws its failure). */
    R submit(String key, T item) {
        Ticket<T, R> ticket = new Ticket<>(item);
        Lane<T, R> lane;
        boolean leads;
        while (true) {
            lane = lanes.computeIfAbsent(key, k -> new Lane<>());
            synchronized (lane) {
                if (lane.retired) {
                    continue; // it went idle and left the map just now: take the next one
                }
                lane.queue.add(ticket);
                leads = !lane.running;
                lane.running = true;
            }
            break;
        }
        if (leads || ticket.turn.join() == Turn.LEAD) {
            drive(key, lane);
        }
        return ticket.result.get();
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

    /** Runs one batch from the head of the lane (which holds the caller's own item), then hands on the lead. */
    private void drive(String key, Lane<T, R> lane) {
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
            }
        }
        try {
            List<Result<R>> results = runAll(tickets.stream().map(ticket -> ticket.item).toList());
            for (int i = 0; i < tickets.size(); i++) {
                tickets.get(i).result = results.get(i);
            }
        } catch (Throwable e) {
            RuntimeException failure = e instanceof RuntimeException runtime ? runtime : new IllegalStateException(e);
            tickets.forEach(ticket -> ticket.result = Result.failed(failure));
            if (e instanceof Error error) {
                throw error; // after the finally below has answered everyone and handed on the lead
            }
        } finally {
            Ticket<T, R> next;
            synchronized (lane) {
                next = lane.queue.peek();
                if (next == null) {
                    lane.running = false;
                    lane.retired = true;
                    lanes.remove(key, lane);
                }
            }
            tickets.forEach(ticket -> ticket.turn.complete(Turn.DONE));
            if (next != null) {
                next.turn.complete(Turn.LEAD);
            }
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

    private enum Turn {
        /** The item's result is ready. */
        DONE,
        /** The item is at the head of its lane and its thread runs the next batch. */
        LEAD
    }

    private static final class Ticket<T, R> {
        final T item;
        final CompletableFuture<Turn> turn = new CompletableFuture<>();
        /** Written by the thread that ran the batch before it completes {@link #turn}, which publishes it. */
        Result<R> result;

        Ticket(T item) {
            this.item = item;
        }
    }

    /** The queue of one key; guarded by its own monitor. */
    private static final class Lane<T, R> {
        final Queue<Ticket<T, R>> queue = new ArrayDeque<>();
        boolean running;
        boolean retired;
    }
}
