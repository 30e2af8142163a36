package io.github.replicachequarkus.testing;

import java.util.Collection;
import java.util.List;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.event.TransactionPhase;

import com.fasterxml.jackson.databind.JsonNode;

import io.github.replicachequarkus.mutator.Mutator;
import io.github.replicachequarkus.mutator.WriteTransaction;
import io.github.replicachequarkus.sync.SpaceChanged;

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
}
