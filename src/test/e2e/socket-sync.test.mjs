// Three real Replicache 15 clients sync only over the room's WebSocket: pushes over the socket, pokes applied with
// rep.poke(), using the todo app's own RoomClient.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import WebSocket from 'ws';
import { Replicache, TEST_LICENSE_KEY } from 'replicache';
import { RoomClient, roomURL } from '@replicache-quarkus/room';
import { mutators } from './todo-mutators.mjs';
import { BASE_URL, assertTodos, converge, newSpaceID, sleep, todosOf, token } from './support.mjs';

async function client(spaceID, name, { expiresInSeconds = 3600 } = {}) {
  const log = process.env.DEBUG_ROOM ? (...args) => console.error(`[${name}]`, ...args) : undefined;
  // What the client went through, in order: its statuses, the close codes of its sockets, its calls of getAuth.
  const events = [];
  class RecordingWebSocket extends WebSocket {
    constructor(...args) {
      super(...args);
      this.addEventListener('close', (event) => events.push(`close ${event.code}`));
    }
  }
  const room = new RoomClient({
    url: roomURL(BASE_URL, spaceID),
    WebSocket: RecordingWebSocket,
    log,
    onStatus: (status) => events.push(`status ${status}`),
    auth: await token(name, { [spaceID]: 'rw' }, { expiresInSeconds }),
    getAuth: () => {
      events.push('getAuth');
      return token(name, { [spaceID]: 'rw' });
    },
  });
  const rep = new Replicache({
    name: `${name}-${spaceID}`,
    licenseKey: TEST_LICENSE_KEY,
    kvStore: 'mem',
    pushDelay: 0,
    mutators,
    ...room.options,
  });
  room.start(rep);
  return { rep, room, events, close: async () => { room.stop(); await rep.close(); } };
}

/** Waits until the condition holds; fails with the description (called then) when it does not in time. */
async function waitFor(condition, timeoutMs, describe) {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) {
      assert.fail(`not within ${timeoutMs} ms: ${describe()}`);
    }
    await sleep(50);
  }
}

/** A small deterministic random generator, so that a failing run can be replayed from its seed. */
function random(seed) {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

test('three clients editing at once over room sockets converge', { timeout: 90_000 }, async () => {
  const spaceID = newSpaceID();
  const seed = Number(process.env.SEED ?? Date.now() % 100000);
  const next = random(seed);
  const clients = await Promise.all(['a', 'b', 'c'].map((name) => client(spaceID, name)));
  const reps = clients.map((c) => c.rep);
  try {
    await converge(reps);

    // Each client makes 40 random changes, all three at once; ids are shared, so they collide on purpose.
    await Promise.all(clients.map(async ({ rep }, index) => {
      for (let step = 0; step < 40; step++) {
        const id = `t${Math.floor(next() * 12)}`;
        const roll = next();
        if (roll < 0.4) {
          await rep.mutate.createTodo({ id, text: `from ${index} at ${step}`, completed: false });
        } else if (roll < 0.8) {
          await rep.mutate.updateTodo({ id, completed: next() < 0.5, text: `edited by ${index} at ${step}` });
        } else {
          await rep.mutate.deleteTodo(id);
        }
        if (next() < 0.3) {
          await sleep(Math.floor(next() * 20));
        }
      }
    }));

    const todos = await converge(reps, { timeoutMs: 30_000 });
    assert.ok(todos.length > 0, `seed ${seed}: some todos survive`);
    assert.equal(new Set(todos.map((todo) => todo.sort)).size, todos.length, `seed ${seed}: distinct sorts`);
  } finally {
    await Promise.all(clients.map((c) => c.close()));
  }
});

test('a client that joins later gets the whole list, and edits flow both ways', { timeout: 60_000 }, async () => {
  const spaceID = newSpaceID();
  const first = await client(spaceID, 'first');
  try {
    await converge([first.rep]);
    await first.rep.mutate.createTodo({ id: 'x', text: 'written before the second client came', completed: false });
    await converge([first.rep]);

    const second = await client(spaceID, 'second');
    try {
      assert.deepEqual((await converge([first.rep, second.rep])).map((todo) => todo.id), ['x']);
      await second.rep.mutate.updateTodo({ id: 'x', completed: true });
      await first.rep.mutate.createTodo({ id: 'y', text: 'another', completed: false });
      assertTodos(await converge([first.rep, second.rep]), [
        { id: 'x', text: 'written before the second client came', completed: true },
        { id: 'y', text: 'another', completed: false },
      ]);
    } finally {
      await second.close();
    }
  } finally {
    await first.close();
  }
});

test('a client whose socket drops reconnects, says hello with its cookie and catches up', { timeout: 60_000 }, async () => {
  const spaceID = newSpaceID();
  const a = await client(spaceID, 'a');
  const b = await client(spaceID, 'b');
  try {
    await converge([a.rep, b.rep]);
    await a.rep.mutate.createTodo({ id: 'one', text: 'one', completed: false });
    await converge([a.rep, b.rep]);

    b.room.socket.terminate(); // the connection dies without a close handshake
    await a.rep.mutate.createTodo({ id: 'two', text: 'two', completed: false });
    await b.rep.mutate.createTodo({ id: 'three', text: 'three, while disconnected', completed: false });

    const todos = await converge([a.rep, b.rep]);
    assert.deepEqual(todos.map((todo) => todo.id), ['one', 'three', 'two']);
    assert.equal(b.room.status, 'connected');
    assert.deepEqual(await todosOf(a.rep), todos);
  } finally {
    await Promise.all([a.close(), b.close()]);
  }
});

test('a socket closed because its token expired reconnects with a new token and keeps syncing', { timeout: 60_000 },
  async () => {
    const spaceID = newSpaceID();
    // Long enough for a slow start to get the first hello answered well before the token runs out.
    const shortLived = await client(spaceID, 'short', { expiresInSeconds: 6 });
    const other = await client(spaceID, 'other');
    try {
      await shortLived.rep.mutate.createTodo({ id: 'before', text: 'before expiry', completed: false });
      await converge([shortLived.rep, other.rep]);
      // The server closes the socket with 4401 when the token runs out; the client fetches a token through getAuth
      // and says hello again.
      const closes = () => shortLived.events.filter((event) => event.startsWith('close '));
      await waitFor(() => closes().length > 0 && shortLived.events.at(-1) === 'status connected', 20_000,
        () => `the short-lived client's socket closed and connected again: ${JSON.stringify(shortLived.events)}`);
      const events = shortLived.events.join(', ');
      assert.equal(closes()[0], 'close 4401', `its first socket was closed because the token expired: ${events}`);
      assert.ok(shortLived.events.indexOf('status connected') < shortLived.events.indexOf('close 4401'),
        `the hello was answered before: the token expired while the socket was open: ${events}`);
      assert.ok(shortLived.events.indexOf('getAuth') > shortLived.events.indexOf('close 4401'),
        `the 4401 made the client call getAuth: ${events}`);
      await other.rep.mutate.createTodo({ id: 'after', text: 'after expiry', completed: false });
      await shortLived.rep.mutate.updateTodo({ id: 'before', completed: true });
      const todos = await converge([shortLived.rep, other.rep]);
      assertTodos(todos, [
        { id: 'after', text: 'after expiry', completed: false },
        { id: 'before', text: 'before expiry', completed: true },
      ]);
      assert.deepEqual(shortLived.events.filter((event) => event.startsWith('close ')), ['close 4401'],
        'one socket closed, for the expired token; the one opened with the new token stayed open');
      assert.deepEqual(other.events.filter((event) => event.startsWith('close ') || event === 'getAuth'), [],
        'the other client, whose token is valid, kept its socket');
    } finally {
      await Promise.all([shortLived.close(), other.close()]);
    }
  });
