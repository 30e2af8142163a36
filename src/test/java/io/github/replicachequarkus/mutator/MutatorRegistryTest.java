package io.github.replicachequarkus.mutator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import org.junit.jupiter.api.Test;

class MutatorRegistryTest {

    @Test
    void mutatorsAreFoundByName() {
        assertEquals(List.of("a", "b"), List.copyOf(MutatorRegistry.byName(List.of(new Named("b"), new Named("a")))
                .keySet()));
    }

    @Test
    void twoMutatorsWithOneNameAreRefusedNamingBoth() {
        IllegalStateException refused = assertThrows(IllegalStateException.class,
                () -> MutatorRegistry.byName(List.of(new Named("a"), new Other("a"))));
        assertTrue(refused.getMessage().contains("'a'") && refused.getMessage().contains(Named.class.getName())
                && refused.getMessage().contains(Other.class.getName()), refused.getMessage());
    }

    private static class Named implements Mutator<String> {
        private final String name;

        Named(String name) {
            this.name = name;
        }

        @Override
        public String name() {
            return name;
        }

        @Override
        public Class<String> argsType() {
            return String.class;
        }

        @Override
        public void mutate(WriteTransaction tx, String args) {
        }
    }

    private static final class Other extends Named {
        Other(String name) {
            super(name);
        }
    }
}
