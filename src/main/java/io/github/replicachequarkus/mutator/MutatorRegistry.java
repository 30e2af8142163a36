package io.github.replicachequarkus.mutator;

import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Any;
import jakarta.enterprise.inject.Instance;

import io.quarkus.logging.Log;

/** Every {@link Mutator} bean of the application, by name. Two mutators with one name stop the application. */
@ApplicationScoped
public class MutatorRegistry {

    private final Map<String, Mutator<?>> byName = new TreeMap<>();

    MutatorRegistry(@Any Instance<Mutator<?>> mutators) {
        for (Mutator<?> mutator : mutators) {
            Mutator<?> previous = byName.putIfAbsent(mutator.name(), mutator);
            if (previous != null) {
                throw new IllegalStateException("Two mutators are named '%s': %s and %s".formatted(mutator.name(),
                        previous.getClass().getName(), mutator.getClass().getName()));
            }
        }
        Log.infof("Mutators: %s", String.join(", ", byName.keySet()));
    }

    public Optional<Mutator<?>> find(String name) {
        return Optional.ofNullable(byName.get(name));
    }
}
