package io.github.replicachequarkus.sync;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import io.github.replicachequarkus.protocol.Mutation;

class PushLoopTest {

    /**
     * Each case: the clients' last mutation ids before, the push ("client:id" or "client:id!" for a mutator that fails),
     * then what ran, the last mutation ids that advanced, and how many were skipped and deferred.
     */
    static Stream<Arguments> cases() {
        return Stream.of(
                Arguments.of("fresh client runs in order", Map.of(), "a:1 a:2 a:3", "a:1 a:2 a:3", "a=3", 0, 0),
                Arguments.of("replays are skipped", Map.of("a", 2L), "a:1 a:2 a:3", "a:3", "a=3", 2, 0),
                Arguments.of("all replayed changes nothing", Map.of("a", 3L), "a:1 a:2 a:3", "", "", 3, 0),
                Arguments.of("gap stops the client", Map.of("a", 1L), "a:3 a:4", "", "", 0, 2),
                Arguments.of("gap mid-way keeps what came before", Map.of(), "a:1 a:2 a:4 a:5", "a:1 a:2", "a=2", 0, 2),
                Arguments.of("a gap stops the client for the rest of the push", Map.of(), "a:1 a:3 a:2", "a:1", "a=1", 0,
                        2),
                Arguments.of("a failing mutator still advances", Map.of(), "a:1 a:2! a:3", "a:1 a:2! a:3", "a=3", 0, 0),
                Arguments.of("clients are independent", Map.of("b", 5L), "a:1 b:5 b:6 a:2 c:2 b:7",
                        "a:1 b:6 a:2 b:7", "a=2 b=7", 1, 1),
                Arguments.of("a gap of one client leaves the others", Map.of(), "a:2 b:1 a:1 b:2", "b:1 b:2", "b=2", 0,
                        2),
                Arguments.of("a duplicate id within one push runs once", Map.of(), "a:1 a:1 a:2", "a:1 a:2", "a=2", 1,
                        0),
                Arguments.of("only failures still change the space", Map.of(), "a:1!", "a:1!", "a=1", 0, 0));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void processesMutationsByTheRules(String name, Map<String, Long> before, String push, String expectedRuns,
            String expectedAdvanced, int expectedSkipped, int expectedDeferred) {
        List<String> runs = new ArrayList<>();
        List<Mutation> mutations = Arrays.stream(push.split(" ")).map(PushLoopTest::mutation).toList();

        PushLoop.Outcome outcome = PushLoop.process(mutations, new HashMap<>(before), mutation -> {
            boolean fails = mutation.name().equals("fails");
            runs.add(mutation.clientID() + ":" + mutation.id() + (fails ? "!" : ""));
            return fails ? "it failed" : null;
        });

        assertEquals(expectedRuns, String.join(" ", runs));
        assertEquals(parse(expectedAdvanced), outcome.lastMutationIDs());
        assertEquals(expectedSkipped, outcome.skipped());
        assertEquals(expectedDeferred, outcome.deferred());
        assertEquals(runs.stream().filter(run -> run.endsWith("!")).count(), outcome.failures().size());
        assertEquals(runs.size() - outcome.failures().size(), outcome.applied().size());
        assertEquals(!outcome.lastMutationIDs().isEmpty(), outcome.changed());
        assertFalse(outcome.outOfTime(), "a gap is not the time running out: the client sends the rest");
    }

    @Test
    void whenThePushsTimeIsUpTheRestIsLeftForTheClientsToResend() {
        List<Mutation> mutations = Arrays.stream("a:1 b:1 a:2 a:3 b:2 a:1".split(" ")).map(PushLoopTest::mutation)
                .toList();
        List<String> runs = new ArrayList<>();
        PushLoop.Outcome outcome = PushLoop.process(mutations, new HashMap<>(), mutation -> {
            runs.add(mutation.clientID() + ":" + mutation.id());
            return null;
        }, () -> runs.size() >= 3);

        assertEquals("a:1 b:1 a:2", String.join(" ", runs), "the time is up before the fourth would run");
        assertEquals(Map.of("a", 2L, "b", 1L), outcome.lastMutationIDs());
        assertEquals(3, outcome.deferred(), "a:3, b:2 and the replay after them wait for the next batch");
        assertTrue(outcome.outOfTime(), "the rest could have run: the server goes on with it");
    }

    private static Mutation mutation(String spec) {
        boolean fails = spec.endsWith("!");
        String[] parts = spec.replace("!", "").split(":");
        return new Mutation(parts[0], Long.parseLong(parts[1]), fails ? "fails" : "works", null, 0.0);
    }

    private static Map<String, Long> parse(String advanced) {
        Map<String, Long> map = new LinkedHashMap<>();
        if (!advanced.isEmpty()) {
            for (String pair : advanced.split(" ")) {
                String[] parts = pair.split("=");
                map.put(parts[0], Long.parseLong(parts[1]));
            }
        }
        return map;
    }
}
