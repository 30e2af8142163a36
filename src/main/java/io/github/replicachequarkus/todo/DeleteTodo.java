package io.github.replicachequarkus.todo;

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
        tx.del(Todos.requireId(id));
    }
}
