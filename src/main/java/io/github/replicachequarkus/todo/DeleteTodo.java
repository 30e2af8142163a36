package io.github.replicachequarkus.todo;

import java.util.Collection;
import java.util.List;

import jakarta.enterprise.context.ApplicationScoped;

import io.github.replicachequarkus.mutator.Mutator;
import io.github.replicachequarkus.mutator.WriteTransaction;

/** {@code deleteTodo(id)}: deletes the todo; the argument is the bare id string. */
@ApplicationScoped
public class DeleteTodo implements Mutator<String> {

    @Override
    public String name() {
        return "deleteTodo";
    }

    @Override
    public Class<String> argsType() {
        return String.class;
    }

    @Override
    public void mutate(WriteTransaction tx, String id) {
        tx.del(Todos.requireID(id));
    }

    /** A delete reads the key: deleting a key that was never stored writes nothing. */
    @Override
    public Collection<String> reads(String id) {
        return id == null ? List.of() : List.of(id);
    }
}
