package io.github.replicachequarkus.todo;

import jakarta.enterprise.context.ApplicationScoped;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.github.replicachequarkus.mutator.Mutator;
import io.github.replicachequarkus.mutator.WriteTransaction;
import io.quarkus.runtime.annotations.RegisterForReflection;

/**
 * {@code createTodo({id, text, completed, sort?})}: stores the todo under its id. Without a {@code sort}, it gets one
 * above the largest in the space, so that concurrent creates on different clients still end up with distinct sort
 * values. {@link SortedTodos} finds it without reading the space's entries: one step down an index, however many
 * todos the space holds.
 */
@ApplicationScoped
public class CreateTodo implements Mutator<CreateTodo.NewTodo> {

    private final SortedTodos todos;

    CreateTodo(SortedTodos todos) {
        this.todos = todos;
    }

    /** Jackson reads the args into this record, in the native image too. */
    @RegisterForReflection
    public record NewTodo(String id, String text, boolean completed, Double sort) {
    }

    @Override
    public String name() {
        return "createTodo";
    }

    @Override
    public Class<NewTodo> argsType() {
        return NewTodo.class;
    }

    @Override
    public void mutate(WriteTransaction tx, NewTodo todo) {
        String id = Todos.requireID(todo.id());
        if (todo.text() == null) {
            throw new IllegalArgumentException("a todo needs a text");
        }
        double sort = todo.sort() != null ? todo.sort() : todos.next(tx);
        ObjectNode value = JsonNodeFactory.instance.objectNode()
                .put("id", id)
                .put("text", todo.text())
                .put("completed", todo.completed());
        value.set("sort", number(sort));
        todos.put(tx, id, value);
    }

    /** Whole sort values stay whole numbers in JSON ({@code 3}, not {@code 3.0}). */
    private static JsonNode number(double value) {
        return value == Math.rint(value) && Math.abs(value) < 1e15
                ? JsonNodeFactory.instance.numberNode((long) value)
                : JsonNodeFactory.instance.numberNode(value);
    }
}
