package io.github.replicachequarkus.store;

import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Supplier;

import io.quarkus.logging.Log;
import io.quarkus.narayana.jta.QuarkusTransaction;

/**
 * Runs work in a transaction of its own, and runs it again (in a new transaction) when it lost a race with another
 * one. The retry wraps the transaction from outside: a failed transaction is over, never half-retried.
 */
public final class Transactions {

    private Transactions() {
    }

    /**
     * Makes the current transaction one snapshot (REPEATABLE READ): every read after it sees the same state. Must be the
     * transaction's first statement.
     */
    public static void repeatableRead() {
        Space.getEntityManager().createNativeQuery("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ").executeUpdate();
    }

    public static <T> T withRetry(String what, int attempts, Supplier<T> work) {
        for (int attempt = 1;; attempt++) {
            try {
                return QuarkusTransaction.requiringNew().call(work::get);
            } catch (RuntimeException e) {
                if (attempt >= attempts || !Faults.isRace(e)) {
                    throw e;
                }
                Log.debugf("%s lost a race (attempt %d of %d), running it again", what, attempt, attempts);
                // Jittered backoff, so that the losers do not collide again at once: 1-2 ms, 2-4 ms, ...
                long maxNanos = 1_000_000L << Math.min(attempt, 6);
                LockSupport.parkNanos(maxNanos / 2 + ThreadLocalRandom.current().nextLong(maxNanos / 2));
            }
        }
    }
}
