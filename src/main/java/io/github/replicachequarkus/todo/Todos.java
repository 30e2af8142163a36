package io.github.replicachequarkus.todo;

import com.fasterxml.jackson.databind.JsonNode;

import io.github.replicachequarkus.mutator.WriteTransaction;

/** Rules shared by the todo mutators, as in Replicache's todo samples: a todo is stored under its id. */
final class Todos {

    private Todos() {
    }

    /** The largest {@code sort} of any todo in the space, 0 when there is none. */
    static double maxSort(WriteTransaction tx) {
        double max = 0;
        for (JsonNode value : tx.scan("").values()) {
            JsonNode sort = value.path("sort");
            if (sort.isNumber()) {
                max = Math.max(max, sort.doubleValue());
            }
        }
        return max;
    }

    static String requireId(String id) {
        if (id == null || id.isEmpty()) {
            throw new IllegalArgumentException("a todo needs a non-empty id");
        }
        return id;
    }
}
