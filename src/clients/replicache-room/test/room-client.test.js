// The room socket client's cookie chain and reconnect logic, with a fake WebSocket, a fake Replicache and fake timers.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RoomClient, backoffDelay, compareCookies, pullURLOf, roomURL } from '../src/room-client.js';
import { FakeSocket } from '../test-support/fake-socket.js';

const URL = 'ws://server/api/replicache/websocket/s1';

/**
 * Replicache as far as the room client uses it, with the rules of the real one: pull() hands the puller its cookie
 * and applies a 200 response from that cookie; poke() throws when its base is not the cookie.
 */
class FakeReplicache {
  constructor(options, group = 'group-1') {
    this.clientID = 'client-1';
    this.clientGroupID = Promise.resolve(group);
    this.group = group;
    this.cookie = null;
    this.closed = false;
    this.applied = [];
    this.pullResults = [];
    this.pushes = 0;
    this.puller = options.puller;
  }

  async pull() {
    const base = this.cookie;
    const result = await this.puller({ pullVersion: 1, clientGroupID: this.group, cookie: base, profileID: 'p',
      schemaVersion: '' });
    this.pullResults.push(result);
    const { response } = result;
    if (result.httpRequestInfo.httpStatusCode === 200 && JSON.stringify(response.cookie) !== JSON.stringify(base)
      && JSON.stringify(this.cookie) === JSON.stringify(base)) {
      this.applied.push(response);
      this.cookie = response.cookie;
    }
  }

  async poke({ baseCookie, pullResponse }) {
    await Promise.resolve();
    if (JSON.stringify(baseCookie) !== JSON.stringify(this.cookie)) {
      throw new Error(`unexpected base cookie for poke: ${baseCookie}, the cookie is ${this.cookie}`);
    }
    this.applied.push(pullResponse);
    this.cookie = pullResponse.cookie;
  }

  async push() {
    this.pushes++;
  }
}

function setup({ fetch, auth, getAuth } = {}) {
  FakeSocket.all = [];
  const timers = [];
  const statuses = [];
  const client = new RoomClient({
    url: URL,
    WebSocket: FakeSocket,
    onStatus: (status) => statuses.push(status),
    fetch,
    auth,
    getAuth,
    setTimeout: (fn, ms) => {
      timers.push({ fn, ms, cleared: false });
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
  const pending = () => timers.filter((timer) => !timer.cleared);
  return { client, rep, timers, pending, statuses, socket: () => FakeSocket.all.at(-1) };
}

const flush = async () => {
  for (let i = 0; i < 5; i++) {
    await new Promise((resolve) => setImmediate(resolve));
  }
};

const poke = (baseCookie, cookie, extra = {}) => ({ message: 'poke', baseCookie, cookie, lastMutationIDChanges: {},
  patch: [], ...extra });

/** Opens the socket and answers its hello with a poke from null to `cookie`. */
async function connect(context, cookie = 1) {
  context.socket().accept();
  await flush();
  context.socket().receive(poke(null, cookie));
  await flush();
}

test('the hello carries the cookie Replicache hands its puller; the pull is a no-op and the reply comes as a poke',
  async () => {
    const { rep, socket, statuses } = setup();
    rep.cookie = 7;
    socket().accept();
    await flush();

    assert.deepEqual(socket().sent, [{ messageType: 'hello', clientID: 'client-1', clientGroupID: 'group-1', cookie: 7 }]);
    assert.deepEqual(rep.pullResults.at(-1), {
      response: { cookie: 7, lastMutationIDChanges: {}, patch: [] },
      httpRequestInfo: { httpStatusCode: 200, errorMessage: '' },
    }, 'nothing new: the same cookie');
    assert.notEqual(statuses.at(-1), 'connected', 'not before the reply');

    socket().receive(poke(7, 9, { patch: [{ op: 'put', key: 'a', value: 1 }], lastMutationIDChanges: { 'client-1': 3 } }));
    await flush();
    assert.equal(rep.cookie, 9);
    assert.deepEqual(rep.applied, [{ cookie: 9, lastMutationIDChanges: { 'client-1': 3 }, patch: [{ op: 'put', key: 'a',
      value: 1 }] }]);
    assert.equal(statuses.at(-1), 'connected');
    assert.equal(rep.pushes, 1, 'what waited while disconnected is pushed at once');
  });

test('a large hello reply in parts is applied once, whole; parts cut short by a close are never applied', async () => {
  const { rep, socket } = setup();
  rep.cookie = 7;
  socket().accept();
  await flush();

  const put = (key) => ({ op: 'put', key, value: 1 });
  socket().receive(poke(7, 9, { patch: [{ op: 'clear' }, put('a')], more: true }));
  socket().receive(poke(7, 9, { patch: [put('b')], more: true }));
  await flush();
  assert.deepEqual(rep.applied, [], 'nothing before the last part');
  socket().receive(poke(7, 9, { patch: [put('c')], lastMutationIDChanges: { 'client-1': 2 } }));
  await flush();
  assert.deepEqual(rep.applied, [{ cookie: 9, lastMutationIDChanges: { 'client-1': 2 },
    patch: [{ op: 'clear' }, put('a'), put('b'), put('c')] }]);

  socket().receive(poke(9, 10, { patch: [put('d')], more: true }));
  socket().drop();
  await flush();
  assert.equal(rep.applied.length, 1, 'half a poke is never applied');
});

test('pokes are applied in order, each from the cookie before it, right behind the hello reply', async () => {
  const { rep, socket } = setup();
  socket().accept();
  await flush();

  // All in one go: Replicache must apply the reply before the pokes behind it.
  socket().receive(poke(null, 1));
  socket().receive(poke(1, 2));
  socket().receive(poke(2, 3));
  socket().receive(poke(3, 5));
  await flush();
  assert.equal(rep.cookie, 5);
  assert.deepEqual(rep.applied.map((p) => p.cookie), [1, 2, 3, 5]);
  assert.equal(socket().hellos().length, 1, 'no resync');
});

test('while a hello waits, pokes from the old base are dropped; the reply is known by its base cookie', async () => {
  const context = setup();
  const { rep, socket } = context;
  await connect(context, 1);

  rep.cookie = 2; // another tab of this client group moved the snapshot on (Replicache's refresh)
  const pulled = rep.pull(); // Replicache pulls: every pull is a hello
  await flush();
  assert.deepEqual(socket().hellos().map((hello) => hello.cookie), [null, 2]);
  socket().receive(poke(1, 3)); // computed from the server's old base before it saw the hello
  socket().receive(poke(3, 4));
  socket().receive(poke(2, 4)); // the reply
  socket().receive(poke(4, 5));
  await pulled;
  await flush();
  assert.equal(rep.cookie, 5);
  assert.deepEqual(rep.applied.map((p) => p.cookie), [1, 4, 5]);
  assert.equal(socket().hellos().length, 2);
});

test('a poke the hello reply already brought is ignored, without a new hello', async () => {
  const context = setup();
  const { rep, socket } = context;
  await connect(context, 1);

  await rep.pull(); // hello with cookie 1, which is also the server's base for the socket
  socket().receive(poke(1, 2)); // a change, poked from the old base before the server saw the hello: taken as reply
  socket().receive(poke(1, 2)); // the actual reply: old news
  socket().receive(poke(2, 3));
  await flush();
  assert.equal(rep.cookie, 3);
  assert.deepEqual(rep.applied.map((p) => p.cookie), [1, 2, 3]);
  assert.equal(socket().hellos().length, 2, 'no resync');
});

test('a poke that does not fit makes one new hello with the real cookie; pokes behind it are dropped', async () => {
  const context = setup();
  const { rep, socket } = context;
  await connect(context, 1);

  socket().receive(poke(4, 5)); // the server thinks we are at 4
  socket().receive(poke(5, 6)); // stale too
  await flush();
  assert.deepEqual(socket().hellos().map((hello) => hello.cookie), [null, 1], 'one new hello, not one per stale poke');

  socket().receive(poke(6, 7)); // computed before the server saw the hello: dropped
  socket().receive(poke(1, 7)); // the hello's reply
  await flush();
  assert.equal(rep.cookie, 7);
  socket().receive(poke(7, 8));
  await flush();
  assert.equal(rep.cookie, 8);
  assert.equal(socket().hellos().length, 2);
});

test('a pull while a hello with the same cookie waits sends no second hello', async () => {
  const { rep, socket } = setup();
  socket().accept();
  await flush();
  await rep.pull();
  await rep.pull();
  assert.equal(socket().hellos().length, 1);
  socket().receive(poke(null, 2));
  await flush();
  assert.equal(rep.cookie, 2);
});

test('pulls of other client groups (mutation recovery) go over HTTP, never over the socket', async () => {
  const requests = [];
  const fetch = async (url, init) => {
    requests.push({ url, init });
    return { status: 200, json: async () => ({ cookie: 4, lastMutationIDChanges: { old: 2 }, patch: [] }) };
  };
  const context = setup({ fetch });
  await connect(context, 1);

  const body = { pullVersion: 1, clientGroupID: 'another-group', cookie: 3, profileID: 'p', schemaVersion: '' };
  const result = await context.client.options.puller(body, 'r1');
  assert.deepEqual(result, { response: { cookie: 4, lastMutationIDChanges: { old: 2 }, patch: [] },
    httpRequestInfo: { httpStatusCode: 200, errorMessage: '' } });
  assert.equal(requests[0].url, 'http://server/api/replicache/pull?spaceID=s1');
  assert.equal(requests[0].init.method, 'POST');
  assert.deepEqual(JSON.parse(requests[0].init.body), body);
  assert.equal(context.socket().hellos().length, 1, 'the socket stays with this client group');

  const failing = setup({ fetch: async () => ({ status: 503, text: async () => 'down' }) });
  assert.deepEqual(await failing.client.options.puller(body, 'r2'),
    { httpRequestInfo: { httpStatusCode: 503, errorMessage: 'down' } });
});

test('pushes go over the socket whenever it is open, and are refused (to be retried) otherwise', async () => {
  const context = setup();
  const push = context.client.options.pusher;
  const body = { pushVersion: 1, clientGroupID: 'group-1', mutations: [], profileID: 'p', schemaVersion: '' };
  assert.equal((await push(body)).httpRequestInfo.httpStatusCode, 503, 'not connected yet');
  context.socket().accept();
  assert.equal((await push(body)).httpRequestInfo.httpStatusCode, 200, 'open, even before the hello reply');
  assert.deepEqual(context.socket().sent.find((frame) => frame.messageType === 'push'), { messageType: 'push', ...body });
  context.socket().close();
  assert.equal((await push(body)).httpRequestInfo.httpStatusCode, 503, 'closing');
});

test('a dropped socket reconnects with growing jittered delays; an applied hello reply resets them', async () => {
  const context = setup();
  const { pending, socket, statuses } = context;
  socket().drop();
  assert.equal(statuses.at(-1), 'reconnecting');
  assert.equal(pending().at(-1).ms, 100);

  pending().at(-1).fn();
  assert.equal(FakeSocket.all.length, 2);
  socket().drop();
  assert.equal(pending().at(-1).ms, 200);
  pending().at(-1).fn();
  socket().accept(); // open, but the hello is never answered: the backoff goes on
  await flush();
  socket().drop();
  assert.equal(pending().filter((timer) => timer.ms !== 10_000).at(-1).ms, 400);
  pending().filter((timer) => timer.ms !== 10_000).at(-1).fn();
  await connect(context, 1);
  assert.equal(statuses.at(-1), 'connected');
  socket().drop();
  assert.equal(pending().at(-1).ms, 100, 'a hello answered starts the backoff over');
});

test('the delays are jittered: ±50% around the doubling base', () => {
  for (const random of [() => 0, () => 0.25, () => 0.999]) {
    for (let attempt = 0; attempt < 12; attempt++) {
      const base = Math.min(10_000, 100 * 2 ** attempt);
      const delay = backoffDelay(attempt, random);
      assert.ok(delay >= base * 0.5 && delay <= base * 1.5, `${delay} for attempt ${attempt}`);
    }
  }
  assert.equal(backoffDelay(0, () => 0.5), 100);
  assert.equal(backoffDelay(3, () => 0.5), 800);
  assert.equal(backoffDelay(20, () => 0.5), 10_000);
  assert.equal(backoffDelay(0, () => 0), 50);
});

test('a room that moved (4010) is reconnected at once', async () => {
  const context = setup();
  await connect(context, 1);
  context.socket().drop(4010);
  assert.equal(context.pending().at(-1).ms, 0);
  context.pending().at(-1).fn();
  assert.equal(FakeSocket.all.length, 2);
});

test('offline drops the socket at once and stays down; online reconnects at once and says hello', async () => {
  const context = setup();
  const { client, rep, socket, statuses, pending } = context;
  await connect(context, 1);
  const old = socket();

  client.setOffline(true);
  assert.equal(statuses.at(-1), 'offline');
  assert.equal(old.closedWith, 1000);
  old.drop(1006); // its close event, late: ignored
  assert.equal(statuses.at(-1), 'offline');
  assert.equal(pending().length, 0, 'no reconnect is scheduled while offline');
  assert.equal((await client.options.pusher({ pushVersion: 1 })).httpRequestInfo.httpStatusCode, 503);
  assert.equal((await rep.puller({ pullVersion: 1, clientGroupID: 'group-1', cookie: 1 })).httpRequestInfo
    .httpStatusCode, 503);

  client.setOffline(false);
  assert.equal(statuses.at(-1), 'reconnecting');
  assert.equal(FakeSocket.all.length, 2);
  socket().accept();
  await flush();
  assert.deepEqual(socket().hellos().map((hello) => hello.cookie), [1]);
  socket().receive(poke(1, 2));
  await flush();
  assert.equal(statuses.at(-1), 'connected');
  assert.equal(rep.cookie, 2);
});

test('pokes and closes of a replaced socket are ignored', async () => {
  const context = setup();
  const { client, rep, socket } = context;
  await connect(context, 1);
  const old = socket();
  client.setOffline(true);
  client.setOffline(false);
  old.receive(poke(1, 5));
  old.drop();
  await flush();
  assert.equal(rep.cookie, 1);
  assert.equal(FakeSocket.all.length, 2, 'the old socket closing does not start another');
});

test('a hello without a reply for 10 s drops the socket and reconnects', async () => {
  const context = setup();
  const { socket, pending, statuses } = context;
  socket().accept();
  await flush();
  const helloTimer = pending().find((timer) => timer.ms === 10_000);
  assert.ok(helloTimer, 'the hello has a deadline');
  helloTimer.fn();
  assert.equal(FakeSocket.all[0].closedWith, 4000);
  assert.equal(statuses.at(-1), 'reconnecting');
  pending().at(-1).fn();
  assert.equal(FakeSocket.all.length, 2);
});

test('the deadline of an answered hello is cleared', async () => {
  const context = setup();
  await connect(context, 1);
  assert.ok(context.timers.filter((timer) => timer.ms === 10_000).every((timer) => timer.cleared));
});

test('stop closes the socket for good', async () => {
  const context = setup();
  const { client, socket, statuses, pending } = context;
  await connect(context, 1);
  client.stop();
  assert.equal(socket().closedWith, 1000);
  assert.equal(statuses.at(-1), 'closed');
  socket().drop(1000);
  client.setOffline(true);
  client.setOffline(false);
  assert.equal(pending().length, 0);
  assert.equal(FakeSocket.all.length, 1);
});

test('a socket that cannot even be created is tried again later', async () => {
  const statuses = [];
  const timers = [];
  let tries = 0;
  const client = new RoomClient({ url: URL, onStatus: (status) => statuses.push(status), random: () => 0.5,
    WebSocket: class {
      constructor() {
        tries++;
        throw new Error('blocked');
      }
    },
    setTimeout: (fn, ms) => timers.push({ fn, ms }), clearTimeout: () => {} });
  client.start(new FakeReplicache(client.options));
  assert.deepEqual([tries, statuses.at(-1), timers.at(-1).ms], [1, 'reconnecting', 100]);
  timers.at(-1).fn();
  assert.deepEqual([tries, timers.at(-1).ms], [2, 200]);
});

test('error frames keep the socket and the chain as they are', async () => {
  const context = setup();
  await connect(context, 1);
  context.socket().receive({ message: 'error', error: 'InvalidRequest', detail: 'the push has a field of the wrong type' });
  context.socket().receive({ message: 'something new' });
  context.socket().onmessage({ data: 'not json' });
  context.socket().receive(poke(1, 2));
  await flush();
  assert.equal(context.rep.cookie, 2);
  assert.equal(context.socket().hellos().length, 1);
});

test('a ClientStateNotFound error frame reaches Replicache through its next pull', async () => {
  const context = setup();
  await connect(context, 1);
  context.socket().receive({ message: 'error', error: 'ClientStateNotFound', detail: '' });
  await flush();
  const last = context.rep.pullResults.at(-1);
  assert.deepEqual(last.response, { error: 'ClientStateNotFound' });
  assert.equal(last.httpRequestInfo.httpStatusCode, 200);
  assert.equal(context.socket().hellos().length, 1, 'no new hello for a group the server has forgotten');
});

test('cookies compare as Replicache compares them', () => {
  assert.ok(compareCookies(null, 0) < 0);
  assert.ok(compareCookies(2, 10) < 0);
  assert.equal(compareCookies(3, 3), 0);
  assert.ok(compareCookies('b', 'a') > 0);
  assert.ok(compareCookies({ order: 2 }, { order: 10 }) < 0);
  assert.ok(compareCookies(5, null) > 0);
});

test('the room URL follows the page origin, wss behind https; pulls go to the same host', () => {
  assert.equal(roomURL('https://todo.fly.dev', 'a b'), 'wss://todo.fly.dev/api/replicache/websocket/a%20b');
  assert.equal(roomURL('http://localhost:8080/', 'x'), 'ws://localhost:8080/api/replicache/websocket/x');
  assert.equal(pullURLOf('wss://todo.fly.dev/api/replicache/websocket/a%20b'),
    'https://todo.fly.dev/api/replicache/pull?spaceID=a%20b');
  assert.equal(pullURLOf('ws://localhost:8080/api/replicache/websocket/x'),
    'http://localhost:8080/api/replicache/pull?spaceID=x');
});

test('the hello carries the token; a socket closed for an expired token reconnects with a new one', async () => {
  const tokens = ['second'];
  const context = setup({ auth: 'first', getAuth: async () => tokens.shift() });
  const { socket, pending, statuses } = context;
  await connect(context, 1);
  assert.equal(socket().hellos()[0].auth, 'first');

  socket().drop(4401);
  await flush();
  assert.equal(statuses.at(-1), 'reconnecting');
  pending().at(-1).fn(); // the backoff is over
  await connect(context, 1);
  assert.equal(FakeSocket.all.length, 2);
  assert.equal(socket().hellos()[0].auth, 'second', 'the new token goes in the new hello');
});

test('a socket refused for want of a token stays unauthorized when there is no way to get one', async () => {
  const context = setup();
  const { socket, pending, statuses } = context;
  await connect(context, 1);
  assert.equal('auth' in socket().hellos()[0], false, 'no token, no auth field');

  socket().drop(4401);
  await flush();
  assert.equal(statuses.at(-1), 'unauthorized');
  assert.equal(pending().length, 0, 'no reconnect without a new token');
});

test('a room whose space was deleted is not retried', async () => {
  const context = setup({ auth: 't' });
  const { socket, pending, statuses } = context;
  socket().accept();
  await flush();
  socket().drop(4404);
  await flush();
  assert.equal(statuses.at(-1), 'not-found');
  assert.equal(pending().length, 0, 'no reconnect is scheduled');
  assert.equal(FakeSocket.all.length, 1);
});

test('a room the token gives no right to is not retried', async () => {
  const context = setup({ auth: 't', getAuth: async () => 'u' });
  const { socket, pending, statuses } = context;
  socket().accept();
  await flush();
  socket().drop(4403);
  await flush();
  assert.equal(statuses.at(-1), 'forbidden');
  assert.equal(pending().length, 0);
  assert.equal(FakeSocket.all.length, 1);
});
