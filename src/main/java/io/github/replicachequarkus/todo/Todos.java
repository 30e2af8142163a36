package io.github.replicachequarkus.todo;

/** Rules shared by the todo mutators, as in Replicache's todo samples: a todo is stored under its id. */
final class Todos {

    private Todos() {
    }

    static String requireID(String id) {
        if (id == null || id.isEmpty()) {
            throw new IllegalArgumentException("a todo needs a non-empty id");
        }
        return id;
    }
}
