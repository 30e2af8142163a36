package io.github.replicachequarkus.mutator;

import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Any;
import jakarta.enterprise.inject.Instance;

import io.github.replicachequarkus.StartOrder;
import io.quarkus.logging.Log;
import io.quarkus.runtime.Startup;

/**
 * Every {@link Mutator} bean of the application, by name, collected at start-up: two mutators with one name stop the
 * application before it serves anything, rather than failing every push.
 */
@Startup(StartOrder.CHECKS) // two mutators of one name stop the start
@ApplicationScoped
public class MutatorRegistry {

    private final Map<String, Mutator<?>> byName;

    MutatorRegistry(@Any Instance<Mutator<?>> mutators) {
        this.byName = byName(mutators);
        Log.infof("Mutators: %s", String.join(", ", byName.keySet()));
    }

    /**
     * The mutators by name.
     *
     * @throws IllegalStateException when two have one name, naming both classes
     */
    static Map<String, Mutator<?>> byName(Iterable<? extends Mutator<?>> mutators) {
        Map<String, Mutator<?>> byName = new TreeMap<>();
        for (Mutator<?> mutator : mutators) {
            Mutator<?> previous = byName.putIfAbsent(mutator.name(), mutator);
            if (previous != null) {
                throw new IllegalStateException("Two mutators are named '%s': %s and %s".formatted(mutator.name(),
                        previous.getClass().getName(), mutator.getClass().getName()));
            }
        }
        return byName;
    }

    public Optional<Mutator<?>> find(String name) {
        return Optional.ofNullable(byName.get(name));
    }
}
