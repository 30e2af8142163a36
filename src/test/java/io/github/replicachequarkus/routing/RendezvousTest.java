package io.github.replicachequarkus.routing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class RendezvousTest {

    private static final List<String> SPACES = IntStream.range(0, 6000).mapToObj(i -> "space-" + i).toList();

    private static Map<String, String> place(List<String> machines) {
        Map<String, String> placement = new HashMap<>();
        SPACES.forEach(space -> placement.put(space, Rendezvous.choose(space, machines).orElseThrow()));
        return placement;
    }

    @ParameterizedTest(name = "{0} machines")
    @ValueSource(ints = { 2, 3, 5, 8 })
    void spreadsSpacesEvenly(int count) {
        List<String> machines = IntStream.range(0, count).mapToObj(i -> "e28" + i + "a7c9b1d").toList();
        Map<String, Long> perMachine = new HashMap<>();
        place(machines).values().forEach(machine -> perMachine.merge(machine, 1L, Long::sum));

        double fair = SPACES.size() / (double) count;
        assertEquals(count, perMachine.size());
        perMachine.forEach((machine, spaces) -> assertTrue(Math.abs(spaces - fair) < fair * 0.15,
                machine + " got " + spaces + " of " + SPACES.size() + ", fair is " + fair));
    }

    @Test
    void aJoiningMachineTakesOnlyItsShareAndOnlyForItself() {
        Map<String, String> before = place(List.of("m1", "m2", "m3"));
        Map<String, String> after = place(List.of("m1", "m2", "m3", "m4"));

        long moved = SPACES.stream().filter(space -> !before.get(space).equals(after.get(space))).count();
        SPACES.stream().filter(space -> !before.get(space).equals(after.get(space)))
                .forEach(space -> assertEquals("m4", after.get(space), "a space may only move to the new machine"));
        assertTrue(Math.abs(moved - SPACES.size() / 4.0) < SPACES.size() * 0.05, moved + " moved");
    }

    @Test
    void whenAMachineDiesOnlyItsSpacesMove() {
        Map<String, String> before = place(List.of("m1", "m2", "m3"));
        Map<String, String> after = place(List.of("m1", "m3"));

        SPACES.forEach(space -> {
            if (before.get(space).equals("m2")) {
                assertTrue(List.of("m1", "m3").contains(after.get(space)));
            } else {
                assertEquals(before.get(space), after.get(space), space + " moved though its machine lives");
            }
        });
    }

    @Test
    void theChoiceDependsOnlyOnTheSetNotItsOrder() {
        SPACES.stream().limit(500).forEach(space -> assertEquals(Rendezvous.choose(space, List.of("a", "b", "c")),
                Rendezvous.choose(space, List.of("c", "a", "b"))));
        assertTrue(Rendezvous.choose("s", List.of()).isEmpty());
    }
}
