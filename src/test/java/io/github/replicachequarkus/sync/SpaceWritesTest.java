package io.github.replicachequarkus.sync;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.github.replicachequarkus.store.PushRows;

/** The layers of a batch's writes to a space, without a database: the rows are a map that counts its reads. */
class SpaceWritesTest {

    private static final ObjectMapper MAPPER = new ObjectMapper();

    private final Rows rows = new Rows();
    private final SpaceWrites space = new SpaceWrites(rows, "s", 41, MAPPER, 16, 64);
    private long mutationIDs;

    @Test
    void aFailedMutationsWritesVanish() {
        rows.live("keep", "1");
        MutationWrites failed = mutation();
        failed.put("new", 1);
        failed.put("keep", 2);
        failed.del("keep");
        assertFalse(failed.has("keep"), "a mutation reads its own writes");
        // The mutator threw: its writes are dropped, never flushed.

        MutationWrites next = mutation();
        assertEquals(Optional.empty(), next.get("new"));
        assertEquals(Optional.of(json("1")), next.get("keep"));
        assertEquals(List.of("keep"), List.copyOf(next.scan("").keySet()));
        next.flush();
        assertEquals(List.of(), space.written());
    }

    @Test
    void aSucceededMutationsWritesAreSeenByTheNextAndStoredByTheBatch() {
        rows.live("gone", "1");
        MutationWrites first = mutation();
        first.put("new", Map.of("n", 1));
        first.del("gone");
        first.flush();

        MutationWrites next = mutation();
        assertEquals(Optional.of(json("{\"n\":1}")), next.get("new"));
        assertFalse(next.has("gone"));
        assertEquals(List.of("new"), List.copyOf(next.scan("").keySet()));
        assertEquals(List.of(new PushRows.EntryWrite("s", "new", "{\"n\":1}", 42),
                new PushRows.EntryWrite("s", "gone", null, 42)), space.written());
    }

    @Test
    void eachKeyIsStoredOnceWithItsLastValueInTheOrderItWasFirstWritten() {
        MutationWrites first = mutation();
        first.put("b", 1);
        first.put("a", 1);
        first.put("b", 2);
        first.flush();
        MutationWrites failed = mutation();
        failed.put("a", "never");
        MutationWrites last = mutation();
        last.put("c", 1);
        last.put("b", 3);
        last.flush();

        assertEquals(List.of("b=3", "a=1", "c=1"),
                space.written().stream().map(write -> write.key() + "=" + write.value()).toList());
    }

    @Test
    void deletingAKeyThatWasNeverStoredLeavesNoTombstone() {
        MutationWrites mutation = mutation();
        assertFalse(mutation.del("never"));
        mutation.put("briefly", true);
        assertTrue(mutation.del("briefly"), "it was there for the mutation");
        mutation.flush();
        rows.live("stored", "1");
        MutationWrites next = mutation();
        assertTrue(next.del("stored"));
        next.flush();

        assertEquals(List.of(new PushRows.EntryWrite("s", "stored", null, 42)), space.written());
    }

    @Test
    void aMutationGetsCopiesOfItsOwnValues() {
        MutationWrites mutation = mutation();
        ObjectNode todo = MAPPER.createObjectNode().put("done", false);
        mutation.put("todo", todo);
        todo.put("done", true);
        ((ObjectNode) mutation.get("todo").orElseThrow()).put("done", true);
        ((ObjectNode) mutation.scan("").get("todo")).put("done", true);
        assertEquals(json("{\"done\":false}"), mutation.get("todo").orElseThrow());
        mutation.flush();

        assertEquals(json("{\"done\":false}"), mutation().get("todo").orElseThrow());
    }

    @Test
    void whatTheBatchReadAheadIsNotReadAgainAndAnythingElseIsReadOnce() {
        rows.live("ahead", "1");
        rows.live("later", "2");
        space.known(Set.of("ahead", "absent"), Map.of("ahead", new PushRows.Stored("1", false)));

        MutationWrites mutation = mutation();
        mutation.get("ahead");
        mutation.has("absent");
        mutation.get("later");
        mutation.del("absent");
        mutation.flush();
        mutation().get("later");
        mutation().del("later");

        assertEquals(List.of("later"), rows.reads);
    }

    @Test
    void keysThatCannotBeStoredAreNeverLookedUp() {
        MutationWrites mutation = mutation();
        assertEquals(Optional.empty(), mutation.get("nul\u0000"));
        assertEquals(Map.of(), mutation.scan("\uD800"));
        assertEquals(List.of(), rows.reads);
    }

    @Test
    void aScanSeesTheMutationOverTheBatchOverTheDatabaseInTheClientsOrder() {
        rows.live("p/a", "1");
        rows.live("p/b", "2");
        rows.live("p/c", "3");
        rows.live("p/\uFFFF", "4");
        rows.live("q/a", "5");
        MutationWrites first = mutation();
        first.del("p/a");
        first.put("p/d", 6);
        first.put("p/c", 7);
        first.flush();
        MutationWrites second = mutation();
        second.del("p/b");
        second.put("p/\uD83D\uDE00", 8); // before U+FFFF in UTF-16, after it in code points
        second.put("p/d", 9);
        second.put("q/b", 10);

        Map<String, JsonNode> scanned = second.scan("p/");

        assertEquals(List.of("p/c", "p/d", "p/\uD83D\uDE00", "p/\uFFFF"), List.copyOf(scanned.keySet()));
        assertEquals(List.of(json("7"), json("9"), json("8"), json("4")), List.copyOf(scanned.values()));
    }

    @Test
    void whatTheMutationsShareOutlivesAFailedMutation() {
        AtomicInteger made = new AtomicInteger();
        Object shared = mutation().shared(Object.class, () -> made.incrementAndGet() + "");

        assertSame(shared, mutation().shared(Object.class, () -> made.incrementAndGet() + ""));
        assertEquals(1, made.get());
        assertThrows(NullPointerException.class, () -> mutation().shared(String.class, () -> null));
    }

    @Test
    void aMutationKnowsWhoseItIs() {
        MutationWrites mutation = space.mutation(Optional.of("ann"), "client", 7, false);

        assertEquals("s", mutation.spaceID());
        assertEquals(Optional.of("ann"), mutation.userID());
        assertEquals("client", mutation.clientID());
        assertEquals(7, mutation.mutationID());
    }

    @ParameterizedTest
    @ValueSource(strings = { "", "nul\u0000", "lone\uD800", "seventeen bytes!!" })
    void keysThatMayNotBeStoredAreRefused(String key) {
        MutationWrites mutation = mutation();
        assertThrows(IllegalArgumentException.class, () -> mutation.put(key, 1));
        assertThrows(IllegalArgumentException.class, () -> mutation.del(key));
        mutation.flush();
        assertEquals(List.of(), space.written());
    }

    @Test
    void valuesThatMayNotBeStoredAreRefused() {
        MutationWrites mutation = mutation();
        assertThrows(IllegalArgumentException.class, () -> mutation.put("big", "x".repeat(63)), "65 bytes of JSON");
        assertThrows(IllegalArgumentException.class, () -> mutation.put("lone", "\uDC00"));
        mutation.put("fits", "x".repeat(62));
        mutation.flush();
        assertEquals(List.of("fits"), space.written().stream().map(PushRows.EntryWrite::key).toList());
    }

    private MutationWrites mutation() {
        return space.mutation(Optional.empty(), "c", ++mutationIDs, false);
    }

    private static JsonNode json(String text) {
        try {
            return MAPPER.readTree(text);
        } catch (Exception e) {
            throw new IllegalArgumentException(e);
        }
    }

    /** A space's rows in memory; {@link #reads} lists each key looked up, and each prefix scanned (with a *). */
    private static final class Rows implements SpaceWrites.Rows {
        final Map<String, String> live = new HashMap<>();
        final List<String> reads = new ArrayList<>();

        void live(String key, String json) {
            live.put(key, json);
        }

        @Override
        public PushRows.Stored entry(String key) {
            reads.add(key);
            String value = live.get(key);
            return value == null ? null : new PushRows.Stored(value, false);
        }

        @Override
        public Map<String, String> liveWithPrefix(String prefix) {
            reads.add(prefix + "*");
            Map<String, String> found = new HashMap<>();
            live.forEach((key, value) -> {
                if (key.startsWith(prefix)) {
                    found.put(key, value);
                }
            });
            return found;
        }
    }
}
