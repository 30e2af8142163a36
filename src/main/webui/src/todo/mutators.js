// The todo mutators as the client runs them; the server's (src/main/java/.../todo) do the same: a todo is stored
// under its id as {id, text, completed, sort}.

/** Every value with a numeric sort: the todos. */
export async function listTodos(tx) {
  const values = await tx.scan().values().toArray();
  return values.filter((value) => value !== null && typeof value === 'object' && typeof value.sort === 'number');
}

export const mutators = {
  /** Stores the todo with the sort given, or one above the largest in the space. */
  async createTodo(tx, { id, text, completed, sort }) {
    if (typeof sort !== 'number') {
      const todos = await listTodos(tx);
      sort = todos.reduce((max, todo) => Math.max(max, todo.sort), 0) + 1;
    }
    await tx.set(id, { id, text, completed: Boolean(completed), sort });
  },

  /** Merges the changes into the todo; a todo that is gone stays gone. */
  async updateTodo(tx, update) {
    const previous = await tx.get(update.id);
    if (previous === undefined) {
      return;
    }
    await tx.set(update.id, { ...previous, ...update });
  },

  /** Deletes the todo; the argument is its bare id. */
  async deleteTodo(tx, id) {
    await tx.del(id);
  },
};
