// The room client's presence, broadcasts and connection status, with a fake WebSocket and fake timers: what it sends,
// when, and what its subscribers see.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RoomClient } from '../src/room-client.js';
import { FakeSocket } from '../test-support/fake-socket.js';

const URL = 'ws://server/api/replicache/websocket/s1';

/** Replicache as far as the hello needs it: its puller says hello; pokes apply. */
class FakeReplicache {
  constructor(options) {
    this.clientID = 'me';
    this.clientGroupID = Promise.resolve('g');
    this.cookie = null;
    this.closed = false;
    this.puller = options.puller;
  }

  async pull() {
    await this.puller({ pullVersion: 1, clientGroupID: 'g', cookie: this.cookie, profileID: 'p', schemaVersion: '' });
  }

  async poke({ pullResponse }) {
    this.cookie = pullResponse.cookie;
  }

  async push() {}
}

function setup() {
  FakeSocket.all = [];
  const timers = [];
  const clock = { now: 1_000 };
  const client = new RoomClient({
    url: URL,
    WebSocket: FakeSocket,
    presenceInterval: 50,
    now: () => clock.now,
    setTimeout: (fn, ms) => {
      timers.push({ fn, at: clock.now + ms, cleared: false });
      return timers.length - 1;
    },
    clearTimeout: (id) => {
      if (id !== null && id !== undefined && timers[id]) {
        timers[id].cleared = true;
      }
    },
    random: () => 0.5,
  });
  const rep = new FakeReplicache(client.options);
  client.start(rep);
  /** Moves the clock on, running the timers that fall due. */
  const advance = (ms) => {
    clock.now += ms;
    for (const timer of timers) {
      if (!timer.cleared && timer.at <= clock.now) {
        timer.cleared = true;
        timer.fn();
      }
    }
  };
  return { client, rep, advance, socket: () => FakeSocket.all.at(-1) };
}

const flush = async () => {
  for (let i = 0; i < 5; i++) {
    await new Promise((resolve) => setImmediate(resolve));
  }
};

async function connect(context) {
  context.socket().accept();
  await flush();
  const base = context.rep.cookie;
  context.socket().receive({ message: 'poke', baseCookie: base, cookie: (base ?? 0) + 1, lastMutationIDChanges: {},
    patch: [] });
  await flush();
}

test('a state set before the socket is connected goes out once its hello is answered, and again after a reconnect',
  async () => {
    const context = setup();
    context.client.presence.set({ name: 'Ana' });
    await connect(context);
    assert.deepEqual(context.socket().of('presence'), [{ messageType: 'presence', state: { name: 'Ana' } }]);

    context.socket().drop();
    context.advance(10_000);
    await connect(context);
    assert.deepEqual(context.socket().of('presence'), [{ messageType: 'presence', state: { name: 'Ana' } }],
      'the new socket tells the room again');
  });

test('updates are throttled: the first goes at once, a burst within the interval as its latest state', async () => {
  const context = setup();
  await connect(context);
  context.client.presence.set({ x: 0 });
  for (let x = 1; x <= 10; x++) {
    context.client.presence.update({ x });
  }
  assert.deepEqual(context.socket().of('presence').map((frame) => frame.state), [{ x: 0 }]);
  context.advance(50);
  assert.deepEqual(context.socket().of('presence').map((frame) => frame.state), [{ x: 0 }, { x: 10 }]);
  context.advance(500);
  assert.equal(context.socket().of('presence').length, 2, 'nothing new, nothing sent');
  context.client.presence.update({ y: 1 });
  assert.deepEqual(context.socket().of('presence').at(-1).state, { x: 10, y: 1 }, 'update merges into the state');
  context.client.presence.set(null);
  context.advance(50);
  assert.equal(context.socket().of('presence').at(-1).state, null, 'set(null) clears it');
});

test('subscribers see everyone else, from the present list and then the changes, in a stable array', async () => {
  const context = setup();
  const seen = [];
  context.client.presence.subscribe((others) => seen.push(others));
  await connect(context);

  context.socket().receive({ message: 'presence', present: [
    { clientID: 'me', userID: 'u0', state: { name: 'Me' } },
    { clientID: 'ana', userID: 'u1', state: { name: 'Ana' } },
  ] });
  assert.deepEqual(context.client.presence.others(), [{ clientID: 'ana', userID: 'u1', state: { name: 'Ana' } }],
    'its own entry is not among the others');
  const afterPresent = context.client.presence.others();

  context.socket().receive({ message: 'presence', changes: [{ clientID: 'me', userID: 'u0', state: { name: 'Moi' } }] });
  assert.equal(context.client.presence.others(), afterPresent, 'a change of its own leaves the array as it was');

  context.socket().receive({ message: 'presence', changes: [
    { clientID: 'bo', userID: 'u2', state: { name: 'Bo' } },
    { clientID: 'ana', userID: 'u1', state: null },
  ] });
  assert.deepEqual(context.client.presence.others(), [{ clientID: 'bo', userID: 'u2', state: { name: 'Bo' } }]);
  assert.ok(Object.isFrozen(context.client.presence.others()));
  assert.deepEqual(seen.map((others) => others.map((entry) => entry.clientID)), [[], ['ana'], ['bo']]);

  context.client.stop();
  assert.deepEqual(context.client.presence.others(), [], 'a stopped client knows nobody');
});

test('broadcasts go out only when connected, and come in to every handler', async () => {
  const context = setup();
  assert.equal(context.client.broadcast({ emoji: 'x' }), false, 'not connected: dropped');
  await connect(context);
  assert.equal(context.client.broadcast({ emoji: '🎉' }), true);
  assert.deepEqual(context.socket().of('broadcast'), [{ messageType: 'broadcast', event: { emoji: '🎉' } }]);

  const heard = [];
  const unsubscribe = context.client.onBroadcast((event) => heard.push(event));
  context.socket().receive({ message: 'broadcast', clientID: 'ana', userID: 'u1', event: { emoji: '👋' } });
  unsubscribe();
  context.socket().receive({ message: 'broadcast', clientID: 'ana', userID: 'u1', event: { emoji: 'later' } });
  assert.deepEqual(heard, [{ clientID: 'ana', userID: 'u1', event: { emoji: '👋' } }]);
});

test('the status says why the client is not connected', async () => {
  const context = setup();
  const seen = [];
  context.client.subscribeStatus((status) => seen.push(status));
  await connect(context);
  context.socket().drop(4010);
  context.advance(0);
  await connect(context);
  context.socket().drop(1013);
  context.advance(10_000);
  await connect(context);
  context.socket().drop(4403);
  assert.deepEqual(seen, [
    { status: 'connecting', reason: null },
    { status: 'connected', reason: null },
    { status: 'reconnecting', reason: 'moved' },
    { status: 'connected', reason: null },
    { status: 'reconnecting', reason: 'full' },
    { status: 'connected', reason: null },
    { status: 'forbidden', reason: 'forbidden' },
  ]);
});
