// The room client driving the real Replicache 15.3.0 (in memory) against a small in-process room server that follows
// the protocol: per-space versions as cookies, a poke after every change from the cookie each socket was last sent.
// It proves what the fake Replicache of room-client.test.js assumes: a puller answering "nothing new" is a no-op, the
// hello's reply and the pokes behind it apply one after the other, and clients converge through drops and bursts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Replicache } from 'replicache';
import { RoomClient } from '@replicache-quarkus/room';
import { listTodos, mutators } from '../src/todo/mutators.js';

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** One space, in memory, run with the same mutators as the client's (the server's do the same). */
class RoomServer {
  constructor() {
    this.version = 0;
    this.entries = new Map(); // key -> {value, version, deleted}
    this.clients = new Map(); // clientID -> {group, lastMutationID, version}
    this.members = new Set();
    this.hellos = 0;
  }

  pull(group, cookie) {
    const full = typeof cookie !== 'number' || cookie > this.version;
    if (typeof cookie === 'number' && cookie > this.version) {
      this.version = cookie + 1;
    }
    const from = full ? -1 : cookie;
    const patch = full ? [{ op: 'clear' }] : [];
    for (const [key, entry] of this.entries) {
      if (entry.version > from && !(full && entry.deleted)) {
        patch.push(entry.deleted ? { op: 'del', key } : { op: 'put', key, value: entry.value });
      }
    }
    const lastMutationIDChanges = {};
    for (const [clientID, client] of this.clients) {
      if (client.group === group && client.version > from) {
        lastMutationIDChanges[clientID] = client.lastMutationID;
      }
    }
    return { cookie: this.version, lastMutationIDChanges, patch };
  }

  async push(request) {
    const writes = new Map();
    const changedClients = new Set();
    for (const mutation of request.mutations) {
      const client = this.clients.get(mutation.clientID)
        ?? { group: request.clientGroupID, lastMutationID: 0, version: 0 };
      if (mutation.id <= client.lastMutationID) {
        continue;
      }
      if (mutation.id > client.lastMutationID + 1) {
        break;
      }
      const staged = new Map(writes);
      const read = (key) => (staged.has(key) ? staged.get(key) : this.entries.get(key)?.deleted === false
        ? this.entries.get(key).value : undefined);
      const tx = {
        get: async (key) => read(key),
        set: async (key, value) => { staged.set(key, value); },
        del: async (key) => { staged.set(key, undefined); },
        scan: () => ({ values: () => ({ toArray: async () => {
          const keys = new Set([...this.entries.keys(), ...staged.keys()]);
          return [...keys].sort().map(read).filter((value) => value !== undefined);
        } }) }),
      };
      try {
        await mutators[mutation.name](tx, mutation.args);
        for (const [key, value] of staged) {
          writes.set(key, value);
        }
      } catch {
        // a failing mutation changes nothing, and the client still moves on
      }
      client.lastMutationID = mutation.id;
      this.clients.set(mutation.clientID, client);
      changedClients.add(client);
    }
    if (changedClients.size === 0) {
      return;
    }
    this.version++;
    for (const [key, value] of writes) {
      this.entries.set(key, { value, version: this.version, deleted: value === undefined });
    }
    for (const client of changedClients) {
      client.version = this.version;
    }
    for (const member of this.members) {
      this.pokeMember(member);
    }
  }

  pokeMember(member) {
    if (member.cookie === undefined) {
      return; // no hello yet
    }
    const response = this.pull(member.group, member.cookie);
    if (response.patch.length === 0 && Object.keys(response.lastMutationIDChanges).length === 0) {
      return;
    }
    member.send({ message: 'poke', baseCookie: member.cookie, ...response });
    member.cookie = response.cookie;
  }

  async receive(member, text) {
    const frame = JSON.parse(text);
    if (frame.messageType === 'hello') {
      this.hellos++;
      member.group = frame.clientGroupID;
      const response = this.pull(member.group, frame.cookie);
      member.send({ message: 'poke', baseCookie: frame.cookie, ...response });
      member.cookie = response.cookie;
    } else if (frame.messageType === 'push') {
      await this.push(frame);
    } else {
      throw new Error(`unexpected frame ${text}`);
    }
  }

  /** A WebSocket class whose sockets connect to this server, with small random delays, in order each way. */
  socketClass() {
    const server = this;
    return class FakeWebSocket {
      constructor(url) {
        this.url = url;
        this.readyState = 0;
        this.member = { send: (frame) => this.#deliver(() => this.onmessage?.({ data: JSON.stringify(frame) })) };
        this.inbox = Promise.resolve(); // the server handles one frame of a socket at a time
        this.outbox = Promise.resolve(); // frames to the client, in order
        setTimeout(() => {
          if (this.readyState !== 0) {
            return;
          }
          this.readyState = 1;
          server.members.add(this.member);
          this.onopen?.();
          this.member.send({ data: 'hello' });
        }, 1 + Math.random() * 5);
      }

      #deliver(event) {
        // One after the other, each after a small random delay, so that frames stay in order.
        this.outbox = this.outbox.then(() => sleep(Math.random() * 4)).then(() => {
          if (this.readyState === 1) {
            event();
          }
        });
      }

      send(text) {
        if (this.readyState !== 1) {
          throw new Error('not open');
        }
        this.inbox = this.inbox.then(() => sleep(Math.random() * 4)).then(() => {
          if (this.readyState === 1) {
            return server.receive(this.member, text);
          }
        });
      }

      close(code = 1000, reason = '') {
        this.kill(code, reason);
      }

      /** The connection dies: neither side hears anything more. */
      kill(code = 1006, reason = '') {
        if (this.readyState === 3) {
          return;
        }
        this.readyState = 3;
        server.members.delete(this.member);
        setTimeout(() => this.onclose?.({ code, reason }), 1);
      }
    };
  }
}

const text = (value) => (value instanceof Error ? value.message : typeof value === 'object' ? JSON.stringify(value)
  : String(value));

function client(server, name) {
  const logs = [];
  const room = new RoomClient({ url: 'ws://test/api/replicache/websocket/space', WebSocket: server.socketClass(),
    log: (...args) => logs.push(args.map(text).join(' ')) });
  const rep = new Replicache({ name: `${name}-${Math.random()}`, kvStore: 'mem', mutators, pushDelay: 0,
    logSinks: [{ log: (level, ...args) => logs.push(`${level}: ${args.map(text).join(' ')}`) }], ...room.options });
  room.start(rep);
  return { rep, room, logs, close: async () => { room.stop(); await rep.close(); } };
}

async function todosOf(rep) {
  const todos = await rep.query(listTodos);
  return [...todos].sort((a, b) => a.sort - b.sort || a.id.localeCompare(b.id)).map((todo) => ({ ...todo }));
}

async function converge(clients, timeoutMs = 10_000) {
  const deadline = Date.now() + timeoutMs;
  let states;
  let pending;
  do {
    await sleep(20);
    pending = await Promise.all(clients.map(({ rep }) => rep.experimentalPendingMutations()));
    states = await Promise.all(clients.map(({ rep }) => todosOf(rep)));
    if (pending.every((p) => p.length === 0) && states.every((s) => JSON.stringify(s) === JSON.stringify(states[0]))
      && clients.every(({ room }) => room.status === 'connected')) {
      return states[0];
    }
  } while (Date.now() < deadline);
  assert.fail(`no convergence in ${timeoutMs} ms: pending ${pending.map((p) => p.length)}, `
    + `statuses ${clients.map(({ room }) => room.status)}\n${states.map((s) => JSON.stringify(s)).join('\n')}\n`
    + clients.map(({ logs }) => logs.slice(-15).join('\n')).join('\n---\n'));
}

const resyncs = (c) => c.logs.filter((line) => line.includes('a poke did not apply')).length;

test('two real Replicache clients converge over the room, with no resync', { timeout: 30_000 }, async () => {
  const server = new RoomServer();
  const a = client(server, 'a');
  const b = client(server, 'b');
  try {
    await converge([a, b]);
    await a.rep.mutate.createTodo({ id: 'one', text: 'one', completed: false });
    await a.rep.mutate.createTodo({ id: 'two', text: 'two', completed: false });
    await converge([a, b]);
    await b.rep.mutate.updateTodo({ id: 'one', completed: true });
    await a.rep.mutate.deleteTodo('two');
    await b.rep.mutate.createTodo({ id: 'three', text: 'three', completed: false });
    const todos = await converge([a, b]);
    assert.deepEqual(todos.map(({ id, completed }) => [id, completed]), [['one', true], ['three', false]]);
    assert.notEqual(todos[0].sort, todos[1].sort);
    assert.deepEqual([resyncs(a), resyncs(b)], [0, 0]);
    for (const { logs } of [a, b]) {
      assert.deepEqual(logs.filter((line) => line.startsWith('error')), [], 'Replicache logged no error');
      assert.equal(logs.filter((line) => line.startsWith('hello')).length, 1, 'one hello was enough');
    }
  } finally {
    await Promise.all([a.close(), b.close()]);
  }
});

test('bursts from both sides apply in order behind each hello reply', { timeout: 60_000 }, async () => {
  const server = new RoomServer();
  const a = client(server, 'a');
  const b = client(server, 'b');
  try {
    await converge([a, b]);
    await Promise.all([a, b].map(async ({ rep }, index) => {
      for (let i = 0; i < 60; i++) {
        const id = `t${i % 15}`;
        if (i % 3 === 0) {
          await rep.mutate.createTodo({ id, text: `${index}:${i}`, completed: false });
        } else if (i % 3 === 1) {
          await rep.mutate.updateTodo({ id, completed: i % 2 === 0, text: `${index} edited ${i}` });
        } else if (i % 7 === 0) {
          await rep.mutate.deleteTodo(id);
        }
        if (i % 10 === 0) {
          await sleep(3);
        }
      }
    }));
    // Meanwhile Replicache may pull on its own: each pull is a hello; a hello in the middle of pokes is fine too.
    await a.rep.pull();
    const todos = await converge([a, b], 20_000);
    assert.ok(todos.length > 0);
    assert.deepEqual([resyncs(a), resyncs(b)], [0, 0], `pokes never missed their base:\n${a.logs.join('\n')}\n---\n${b.logs.join('\n')}`);
  } finally {
    await Promise.all([a.close(), b.close()]);
  }
});

test('a client whose connection dies catches up with its own changes and the others\'', { timeout: 30_000 },
  async () => {
    const server = new RoomServer();
    const a = client(server, 'a');
    const b = client(server, 'b');
    try {
      await converge([a, b]);
      await a.rep.mutate.createTodo({ id: 'before', text: 'before', completed: false });
      await converge([a, b]);

      b.room.socket.kill(); // no close handshake
      await b.rep.mutate.createTodo({ id: 'offline', text: 'written while disconnected', completed: false });
      await a.rep.mutate.updateTodo({ id: 'before', text: 'edited meanwhile' });
      const todos = await converge([a, b]);
      assert.deepEqual(todos.map(({ id, text }) => [id, text]),
        [['before', 'edited meanwhile'], ['offline', 'written while disconnected']]);

      b.room.setOffline(true);
      await b.rep.mutate.updateTodo({ id: 'offline', completed: true });
      await sleep(50);
      assert.equal(b.room.status, 'offline');
      assert.equal((await b.rep.experimentalPendingMutations()).length, 1, 'kept while offline');
      b.room.setOffline(false);
      const after = await converge([a, b]);
      assert.equal(after.find((todo) => todo.id === 'offline').completed, true);
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });
