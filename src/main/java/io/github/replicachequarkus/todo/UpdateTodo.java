package io.github.replicachequarkus.todo;

import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

import jakarta.enterprise.context.ApplicationScoped;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.github.replicachequarkus.mutator.Mutator;
import io.github.replicachequarkus.mutator.WriteTransaction;

/**
 * {@code updateTodo({id, ...changes})}: merges the changes into the stored todo. A todo that is gone (deleted by
 * someone else meanwhile) stays gone: unlike the sample, which would store the bare changes, nothing is written.
 */
@ApplicationScoped
public class UpdateTodo implements Mutator<ObjectNode> {

    private final SortedTodos todos;

    UpdateTodo(SortedTodos todos) {
        this.todos = todos;
    }

    /** The fields a todo has, and the JSON type each must have when an update changes it. */
    private static final Map<String, Predicate<JsonNode>> FIELDS = Map.of(
            "text", JsonNode::isTextual,
            "completed", JsonNode::isBoolean,
            "sort", JsonNode::isNumber);

    @Override
    public String name() {
        return "updateTodo";
    }

    @Override
    public Class<ObjectNode> argsType() {
        return ObjectNode.class;
    }

    @Override
    public void mutate(WriteTransaction tx, ObjectNode update) {
        JsonNode id = update.path("id");
        if (!id.isTextual()) {
            throw new IllegalArgumentException("updateTodo needs the todo's id as a string");
        }
        FIELDS.forEach((field, check) -> {
            if (update.has(field) && !check.test(update.get(field))) {
                throw new IllegalArgumentException("updateTodo: '" + field + "' has the wrong type");
            }
        });
        tx.get(Todos.requireID(id.textValue())).ifPresent(previous -> {
            if (previous instanceof ObjectNode todo) {
                todos.put(tx, id.textValue(), todo.deepCopy().setAll(update));
            }
        });
    }

    @Override
    public Collection<String> reads(ObjectNode update) {
        JsonNode id = update.path("id");
        return id.isTextual() ? List.of(id.textValue()) : List.of();
    }
}
