// The room socket client's reconnect and cookie-chain logic, with a fake WebSocket, a fake Replicache and fake timers.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RoomClient, backoffDelay, roomURL } from '../src/sync/room-client.js';

class FakeSocket {
  static all = [];

  constructor(url) {
    this.url = url;
    this.readyState = 0;
    this.sent = [];
    FakeSocket.all.push(this);
  }

  send(text) {
    this.sent.push(JSON.parse(text));
  }

  close(code = 1000) {
    this.readyState = 3;
    this.onclose?.({ code });
  }

  // What the server does:
  accept() {
    this.readyState = 1;
    this.onopen?.();
    this.receive({ data: 'hello' });
  }

  receive(frame) {
    this.onmessage?.({ data: JSON.stringify(frame) });
  }

  drop(code = 1006) {
    this.readyState = 3;
    this.onclose?.({ code });
  }
}

/** Replicache as far as the room client uses it: a cookie, a puller that is called on pull(), and poke(). */
class FakeReplicache {
  constructor(client) {
    this.clientID = 'client-1';
    this.cookie = null;
    this.pokes = [];
    this.pushes = 0;
    this.puller = client.options.puller;
  }

  async pull() {
    const result = await this.puller({ pullVersion: 1, clientGroupID: 'group-1', cookie: this.cookie });
    if (result.httpRequestInfo.httpStatusCode === 200 && result.response.cookie !== undefined) {
      this.cookie = result.response.cookie;
    }
    return result;
  }

  async poke({ baseCookie, pullResponse }) {
    if (JSON.stringify(baseCookie) !== JSON.stringify(this.cookie)) {
      throw new Error(`cookie ${this.cookie} does not match base ${baseCookie}`);
    }
    this.pokes.push(pullResponse);
    this.cookie = pullResponse.cookie;
  }

  async push() {
    this.pushes++;
  }
}

function setup() {
  FakeSocket.all = [];
  const timers = [];
  const statuses = [];
  const client = new RoomClient({
    url: 'ws://server/api/replicache/websocket/s1',
    WebSocket: FakeSocket,
    onStatus: (status) => statuses.push(status),
    setTimeout: (fn, ms) => timers.push({ fn, ms }) && timers.length,
    clearTimeout: () => {},
    random: () => 0.5,
    delay: () => Promise.resolve(),
  });
  const rep = new FakeReplicache(client);
  client.start(rep);
  return { client, rep, timers, statuses, socket: () => FakeSocket.all.at(-1) };
}

const flush = () => new Promise((resolve) => setImmediate(resolve));
const poke = (baseCookie, cookie, extra = {}) => ({ message: 'poke', baseCookie, cookie, lastMutationIDChanges: {},
  patch: [], ...extra });

test('the hello carries the cookie Replicache hands the puller, and its reply answers that pull', async () => {
  const { rep, socket, statuses } = setup();
  rep.cookie = 7;
  socket().accept();
  await flush();

  assert.deepEqual(socket().sent, [{ messageType: 'hello', clientID: 'client-1', clientGroupID: 'group-1', cookie: 7 }]);
  socket().receive(poke(7, 9, { patch: [{ op: 'put', key: 'a', value: 1 }] }));
  await flush();
  assert.equal(rep.cookie, 9);
  assert.deepEqual(statuses.at(-1), 'connected');
  assert.equal(rep.pushes, 1, 'what waited while disconnected is pushed at once');
});

test('pokes are applied in order, each from the cookie before it', async () => {
  const { rep, socket } = setup();
  socket().accept();
  await flush();
  socket().receive(poke(null, 1));
  await flush();

  socket().receive(poke(1, 2));
  socket().receive(poke(2, 3));
  socket().receive(poke(3, 5));
  await flush();
  assert.equal(rep.cookie, 5);
  assert.deepEqual(rep.pokes.map((p) => p.cookie), [2, 3, 5], 'the first frame was the hello reply, a pull response');
});

test('a poke from another base makes one new hello with the real cookie, and stale pokes are ignored', async () => {
  const { rep, socket } = setup();
  socket().accept();
  await flush();
  socket().receive(poke(null, 1));
  await flush();

  socket().receive(poke(4, 5)); // the server thinks we are at 4
  socket().receive(poke(5, 6)); // stale too
  await flush();
  const hellos = socket().sent.filter((frame) => frame.messageType === 'hello');
  assert.equal(hellos.length, 2, 'one new hello, not one per stale poke');
  assert.equal(hellos[1].cookie, 1);

  socket().receive(poke(6, 7)); // computed before the server saw the hello: ignored
  socket().receive(poke(1, 7)); // the hello's reply
  await flush();
  assert.equal(rep.cookie, 7);
  socket().receive(poke(7, 8));
  await flush();
  assert.equal(rep.cookie, 8);
});

test('pushes go over the socket only while it is open and answered', async () => {
  const { client, socket } = setup();
  const push = client.options.pusher;
  assert.equal((await push({ pushVersion: 1 })).httpRequestInfo.httpStatusCode, 503, 'not connected yet');
  socket().accept();
  await flush();
  socket().receive(poke(null, 1));
  await flush();
  assert.equal((await push({ pushVersion: 1, clientGroupID: 'group-1', mutations: [] })).httpRequestInfo.httpStatusCode,
    200);
  assert.deepEqual(socket().sent.at(-1), { messageType: 'push', pushVersion: 1, clientGroupID: 'group-1', mutations: [] });
});

test('a dropped socket reconnects with growing jittered delays, and the next hello resets them', async () => {
  const { timers, socket, statuses } = setup();
  socket().drop();
  assert.equal(statuses.at(-1), 'reconnecting');
  assert.equal(timers.at(-1).ms, backoffDelay(0, () => 0.5));

  timers.at(-1).fn();
  socket().drop();
  assert.equal(timers.at(-1).ms, backoffDelay(1, () => 0.5));
  timers.at(-1).fn();
  socket().accept();
  await flush();
  socket().receive(poke(null, 1));
  await flush();
  socket().drop();
  assert.equal(timers.at(-1).ms, backoffDelay(0, () => 0.5), 'a successful hello starts the backoff over');
});

test('a room that moved (4010) is reconnected at once', async () => {
  const { timers, socket } = setup();
  socket().accept();
  await flush();
  socket().drop(4010);
  assert.equal(timers.at(-1).ms, 0);
});

test('offline drops the socket and waits; online reconnects', async () => {
  const { client, socket, statuses } = setup();
  socket().accept();
  await flush();
  client.setOffline(true);
  assert.equal(statuses.at(-1), 'offline');
  const count = FakeSocket.all.length;
  client.setOffline(false);
  assert.equal(FakeSocket.all.length, count + 1);
});

test('backoff doubles from 100 ms to 10 s, within ±50%', () => {
  assert.equal(backoffDelay(0, () => 0.5), 100);
  assert.equal(backoffDelay(3, () => 0.5), 800);
  assert.equal(backoffDelay(20, () => 0.5), 10_000);
  assert.equal(backoffDelay(0, () => 0), 50);
  assert.equal(backoffDelay(0, () => 0.999), 150);
});

test('the room URL follows the page origin, wss behind https', () => {
  assert.equal(roomURL('https://todo.fly.dev', 'a b'), 'wss://todo.fly.dev/api/replicache/websocket/a%20b');
  assert.equal(roomURL('http://localhost:8080/', 'x'), 'ws://localhost:8080/api/replicache/websocket/x');
});

test('every pull Replicache makes is answered with a hello, never a pull frame', async () => {
  const { rep, socket } = setup();
  socket().accept();
  await flush();
  socket().receive(poke(null, 1));
  await flush();

  const pulled = rep.pull(); // Replicache pulls on its own, e.g. when it comes back online
  await flush();
  assert.deepEqual(socket().sent.map((frame) => frame.messageType), ['hello', 'hello']);
  assert.equal(socket().sent.at(-1).cookie, 1);
  socket().receive(poke(5, 6)); // computed from the server's old base before it saw this hello: dropped
  socket().receive(poke(1, 3)); // the reply
  await pulled;
  await flush();
  assert.equal(rep.cookie, 3);
  assert.deepEqual(rep.pokes.map((p) => p.cookie), []);
});
