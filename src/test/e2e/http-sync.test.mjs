// Two real Replicache 15 clients in different client groups sync over plain HTTP push and pull.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Replicache, TEST_LICENSE_KEY } from 'replicache';
import { mutators } from './todo-mutators.mjs';
import { BASE_URL, assertTodos, converge, newSpaceID, sleep, token } from './support.mjs';

async function client(spaceID, name, options = {}) {
  return new Replicache({
    auth: await token(name, { [spaceID]: 'rw' }),
    name: `${name}-${spaceID}`, // a name of its own: a client group of its own
    licenseKey: TEST_LICENSE_KEY,
    kvStore: 'mem',
    pushURL: `${BASE_URL}/api/replicache/push?spaceID=${spaceID}`,
    pullURL: `${BASE_URL}/api/replicache/pull?spaceID=${spaceID}`,
    pushDelay: 0,
    pullInterval: null, // the test pulls when it wants to
    mutators,
    ...options,
  });
}

test('two client groups create, update and delete todos and converge', { timeout: 60_000 }, async () => {
  const spaceID = newSpaceID();
  const a = await client(spaceID, 'a');
  const b = await client(spaceID, 'b');
  try {
    await Promise.all([a.pull({ now: true }), b.pull({ now: true })]);

    await a.mutate.createTodo({ id: 'a1', text: 'milk', completed: false });
    await a.mutate.createTodo({ id: 'a2', text: 'eggs', completed: false });
    await b.mutate.createTodo({ id: 'b1', text: 'bread', completed: false });
    await b.mutate.createTodo({ id: 'b2', text: 'butter', completed: false });
    await converge([a, b], { nudge: () => Promise.all([a.pull({ now: true }), b.pull({ now: true })]) });

    await b.mutate.updateTodo({ id: 'a1', text: 'oat milk' }); // B edits A's todo
    await a.mutate.deleteTodo('b2'); // A deletes B's todo
    await a.mutate.updateTodo({ id: 'a2', completed: true });
    await b.mutate.updateTodo({ id: 'b1', completed: true });
    await b.mutate.updateTodo({ id: 'b2', text: 'gone meanwhile' }); // may run after the delete: stays deleted

    const todos = await converge([a, b], { nudge: () => Promise.all([a.pull({ now: true }), b.pull({ now: true })]) });
    assertTodos(todos, [
      { id: 'a1', text: 'oat milk', completed: false },
      { id: 'a2', text: 'eggs', completed: true },
      { id: 'b1', text: 'bread', completed: true },
    ]);
  } finally {
    await Promise.all([a.close(), b.close()]);
  }
});

test('mutations are confirmed by a later pull, even when pushes were all the client sent', { timeout: 60_000 }, async () => {
  const spaceID = newSpaceID();
  const writer = await client(spaceID, 'writer');
  try {
    for (let i = 0; i < 20; i++) {
      await writer.mutate.createTodo({ id: `t${i}`, text: `todo ${i}`, completed: i % 2 === 0 });
    }
    await sleep(200); // the pushes go out on their own
    assert.ok((await writer.experimentalPendingMutations()).length > 0, 'a push confirms nothing');

    const todos = await converge([writer], { nudge: () => writer.pull({ now: true }) });
    assert.equal(todos.length, 20);
    assert.deepEqual(todos.map((todo) => todo.sort).sort((x, y) => x - y), Array.from({ length: 20 }, (_, i) => i + 1));
  } finally {
    await writer.close();
  }
});

test('a client whose token expired gets a new one through getAuth and carries on', { timeout: 60_000 }, async () => {
  const spaceID = newSpaceID();
  const writer = await client(spaceID, 'expired', { auth: await token('expired', { [spaceID]: 'rw' }, { expiresInSeconds: -60 }) });
  let asked = 0;
  writer.getAuth = async () => {
    asked++;
    return token('expired', { [spaceID]: 'rw' });
  };
  try {
    await writer.mutate.createTodo({ id: 'x', text: 'after a 401', completed: false });
    const todos = await converge([writer], { nudge: () => writer.pull({ now: true }) });
    assertTodos(todos, [{ id: 'x', text: 'after a 401', completed: false }]);
    assert.ok(asked >= 1, 'the 401 made Replicache call getAuth');
  } finally {
    await writer.close();
  }
});
