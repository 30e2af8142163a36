package io.github.replicachequarkus.mutator;

import java.util.Collection;
import java.util.List;

/**
 * A server-side mutator: the authoritative version of a mutator the Replicache client runs optimistically. Make it a
 * CDI bean ({@code @ApplicationScoped}) and the {@link MutatorRegistry} finds it by {@link #name()}.
 * <p>
 * A mutator that throws (or whose args do not parse into {@link #argsType()}) has all its writes discarded; the
 * mutation still counts as processed, so the client stops re-sending it. Throw for input you reject.
 *
 * @param <A> the type the mutation's JSON {@code args} are read into with Jackson: a record, a {@code String},
 *        a {@code JsonNode}... For the native image, annotate a record with {@code @RegisterForReflection}.
 */
public interface Mutator<A> {

    /** The name the client uses for this mutator: the {@code name} of each mutation. */
    String name();

    /** The type of the mutation's args. */
    Class<A> argsType();

    /** Applies one mutation to the space through the transaction. */
    void mutate(WriteTransaction tx, A args);

    /**
     * The keys the mutation will read, as far as its args tell. The server reads the keys of every mutation in a batch
     * of pushes with one statement before any of them runs, rather than one statement each as mutators ask, while
     * the space stays locked. Only a hint: a key left out is read when asked, a key named but not read costs a row.
     */
    default Collection<String> reads(A args) {
        return List.of();
    }
}
