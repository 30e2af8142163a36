package io.github.replicachequarkus.testing;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Collection;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.event.TransactionPhase;
import jakarta.inject.Inject;

import com.fasterxml.jackson.databind.JsonNode;

import io.agroal.api.AgroalDataSource;
import io.github.replicachequarkus.mutator.Mutator;
import io.github.replicachequarkus.mutator.WriteTransaction;
import io.github.replicachequarkus.relay.SpaceChanged;
import io.github.replicachequarkus.store.StorageException;

/** Mutators that only tests use, each showing one behaviour of the push. */
public final class TestMutators {

    private TestMutators() {
    }

    /** {@code put({key, value})}: stores any JSON value. */
    @ApplicationScoped
    public static class Put implements Mutator<JsonNode> {
        public String name() {
            return "put";
        }

        public Class<JsonNode> argsType() {
            return JsonNode.class;
        }

        public void mutate(WriteTransaction tx, JsonNode args) {
            tx.put(args.path("key").asText(), args.get("value"));
        }
    }

    /** {@code remove(key)}: deletes the key (named so, since other tests rely on there being no {@code del}). */
    @ApplicationScoped
    public static class Remove implements Mutator<String> {
        public String name() {
            return "remove";
        }

        public Class<String> argsType() {
            return String.class;
        }

        public void mutate(WriteTransaction tx, String key) {
            tx.del(key);
        }
    }

    /** {@code whoami(key)}: stores the pushing user's id (or "anyone" when auth is open) at the key. */
    @ApplicationScoped
    public static class WhoAmI implements Mutator<String> {
        public String name() {
            return "whoami";
        }

        public Class<String> argsType() {
            return String.class;
        }

        public void mutate(WriteTransaction tx, String key) {
            tx.put(key, tx.userID().orElse("anyone"));
        }
    }

    /** {@code writeThenFail(key)}: writes and deletes, then throws, so nothing of it may remain. */
    @ApplicationScoped
    public static class WriteThenFail implements Mutator<String> {
        public String name() {
            return "writeThenFail";
        }

        public Class<String> argsType() {
            return String.class;
        }

        public void mutate(WriteTransaction tx, String key) {
            tx.put(key, "written by a mutator that then failed");
            tx.put("other-" + key, 1);
            tx.del("keep");
            if (!tx.has(key) || tx.has("keep")) {
                throw new AssertionError("a mutator must read its own writes");
            }
            throw new IllegalStateException("this mutator always fails");
        }
    }

    /** {@code slowIncrement(key)}: {@code increment}, taking 100 ms: a mutator that holds its lane. */
    @ApplicationScoped
    public static class SlowIncrement implements Mutator<String> {
        public String name() {
            return "slowIncrement";
        }

        public Class<String> argsType() {
            return String.class;
        }

        public void mutate(WriteTransaction tx, String key) {
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            tx.put(key, tx.get(key).map(JsonNode::asLong).orElse(0L) + 1);
        }
    }

    /** {@code increment(key)}: adds one to a counter; concurrent pushes must not lose any. */
    @ApplicationScoped
    public static class Increment implements Mutator<String> {
        public String name() {
            return "increment";
        }

        public Class<String> argsType() {
            return String.class;
        }

        public void mutate(WriteTransaction tx, String key) {
            tx.put(key, tx.get(key).map(JsonNode::asLong).orElse(0L) + 1);
        }

        /** Its key, read ahead for the whole batch: concurrent increments must still add up. */
        public Collection<String> reads(String key) {
            return List.of(key);
        }
    }

    /** {@code scan(prefix)}: stores under {@code scanned/<prefix>} the keys the scan saw, checking read-your-writes. */
    @ApplicationScoped
    public static class Scan implements Mutator<String> {
        public String name() {
            return "scan";
        }

        public Class<String> argsType() {
            return String.class;
        }

        public void mutate(WriteTransaction tx, String prefix) {
            tx.put(prefix + "zz-own-write", true);
            tx.put("scanned/" + prefix, tx.scan(prefix).keySet());
        }
    }

    /** Fails the transaction of any push to a space named {@code rollback-*}, after the change event was fired. */
    @ApplicationScoped
    public static class RollbackTrigger {
        void fail(@Observes(during = TransactionPhase.IN_PROGRESS) SpaceChanged change) {
            if (change.spaceID().startsWith("rollback-")) {
                throw new IllegalStateException("test: failing the transaction after the event");
            }
        }
    }

    /**
     * {@code failAtCommit(how)}: puts {@code doomed}, and leaves in its transaction a deferred check that runs at COMMIT,
     * after every statement of the push succeeded, and fails it. {@code "constraint"}: a deferred foreign key is
     * violated, and the database refuses the commit. {@code "connection"}: a deferred trigger terminates the
     * transaction's own backend, so the connection dies during the commit. Either way the transaction rolls back, and
     * the temporary tables and function it made go with it.
     */
    @ApplicationScoped
    public static class FailAtCommit implements Mutator<String> {
        private static final AtomicLong NAMES = new AtomicLong();

        @Inject
        AgroalDataSource dataSource; // inside the push's transaction, a connection of it is the transaction's own

        public String name() {
            return "failAtCommit";
        }

        public Class<String> argsType() {
            return String.class;
        }

        public void mutate(WriteTransaction tx, String how) {
            tx.put("doomed", how);
            String name = "fail_at_commit_" + NAMES.incrementAndGet();
            List<String> statements = switch (how) {
                case "constraint" -> List.of(
                        "CREATE TEMP TABLE " + name + "_parent (id int PRIMARY KEY) ON COMMIT DROP",
                        "CREATE TEMP TABLE " + name + " (parent int REFERENCES " + name
                                + "_parent DEFERRABLE INITIALLY DEFERRED) ON COMMIT DROP",
                        "INSERT INTO " + name + " VALUES (1)"); // no such parent: checked at COMMIT
                case "connection" -> List.of(
                        "CREATE TEMP TABLE " + name + " (x int) ON COMMIT DROP",
                        "CREATE FUNCTION pg_temp." + name + "() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN"
                                + " PERFORM pg_terminate_backend(pg_backend_pid()); PERFORM pg_sleep(10); RETURN NULL;"
                                + " END $$",
                        "CREATE CONSTRAINT TRIGGER " + name + " AFTER INSERT ON " + name
                                + " DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION pg_temp." + name + "()",
                        "INSERT INTO " + name + " VALUES (1)");
                default -> throw new IllegalArgumentException("failAtCommit: 'constraint' or 'connection', not " + how);
            };
            try (Connection connection = dataSource.getConnection(); Statement statement = connection.createStatement()) {
                for (String sql : statements) {
                    statement.execute(sql);
                }
            } catch (SQLException e) {
                throw new StorageException("test: could not set up the failing commit", e);
            }
        }
    }

    /**
     * {@code databaseFault(how)}: puts {@code faulty}, then meets a real fault of the database, which must abort the
     * whole push. {@code "timeout"}: its statement runs into a statement timeout (SQLSTATE 57014).
     * {@code "terminate"}: the transaction's backend is terminated, and the mutator's next read, through the
     * {@link WriteTransaction}, finds the connection closed.
     */
    @ApplicationScoped
    public static class DatabaseFault implements Mutator<String> {

        @Inject
        AgroalDataSource dataSource; // inside the push's transaction, a connection of it is the transaction's own

        public String name() {
            return "databaseFault";
        }

        public Class<String> argsType() {
            return String.class;
        }

        public void mutate(WriteTransaction tx, String how) {
            tx.put("faulty", how);
            try (Connection connection = dataSource.getConnection(); Statement statement = connection.createStatement()) {
                switch (how) {
                    case "timeout" -> {
                        statement.execute("SET LOCAL statement_timeout = '100ms'");
                        statement.execute("SELECT pg_sleep(5)");
                    }
                    case "terminate" -> {
                        try {
                            statement.execute("SELECT pg_terminate_backend(pg_backend_pid())");
                        } catch (SQLException terminated) {
                            // 57P01: the backend went away while the statement ran; the read below meets it too
                        }
                        tx.get("read-after-the-fault-" + UUID.randomUUID()); // not read yet: goes to the database
                    }
                    default -> throw new IllegalArgumentException("databaseFault: 'timeout' or 'terminate', not " + how);
                }
            } catch (SQLException e) {
                throw new StorageException("test: a statement of the mutator failed", e);
            }
            throw new IllegalStateException("databaseFault(" + how + ") met no fault");
        }
    }

    /**
     * Holds the transaction of any push to a space named {@code hold-*} open after its last statement, before its
     * commit, until the test releases it (or 30 s passed): its rows stay written and locked meanwhile.
     */
    @ApplicationScoped
    public static class HoldBeforeCommit {
        private static final Semaphore HOLDING = new Semaphore(0);
        private static final Semaphore RELEASED = new Semaphore(0);

        void hold(@Observes(during = TransactionPhase.IN_PROGRESS) SpaceChanged change) {
            if (change.spaceID().startsWith("hold-")) {
                HOLDING.release();
                try {
                    RELEASED.tryAcquire(30, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        }

        /** Waits until a push to a {@code hold-*} space is held before its commit. */
        public static void awaitHolding() throws InterruptedException {
            if (!HOLDING.tryAcquire(10, TimeUnit.SECONDS)) {
                throw new AssertionError("no push to a hold-* space reached its commit within 10 s");
            }
        }

        /** Lets the held push commit. */
        public static void release() {
            RELEASED.release();
        }
    }
}
