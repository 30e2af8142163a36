// The app's backend writes and deletes spaces through the server API; real Replicache 15 clients see the writes
// arrive (over HTTP with a poke stream, and over the room's socket) and stop cleanly when their space is deleted.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import WebSocket from 'ws';
import { Replicache, TEST_LICENSE_KEY } from 'replicache';
import { RoomClient, roomURL } from '@replicache-quarkus/room';
import { mutators } from './todo-mutators.mjs';
import { BASE_URL, newSpaceID, serverToken, sleep, todosOf, token } from './support.mjs';

/** Runs the todo mutators on the space as the server: what a backend does without a socket. */
async function mutate(spaceID, mutations) {
  const response = await fetch(`${BASE_URL}/api/spaces/${spaceID}/mutate`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${await serverToken()}` },
    body: JSON.stringify({ mutations }),
  });
  assert.equal(response.status, 200, await response.clone().text());
  return response.json();
}

async function deleteSpace(spaceID) {
  const response = await fetch(`${BASE_URL}/api/spaces/${spaceID}`, {
    method: 'DELETE',
    headers: { Authorization: `Bearer ${await serverToken()}` },
  });
  assert.equal(response.status, 204);
}

/** Waits until the client sees the todo ids. */
async function until(rep, ids, timeoutMs = 15_000) {
  const deadline = Date.now() + timeoutMs;
  let seen = [];
  while (Date.now() < deadline) {
    seen = (await todosOf(rep)).map((todo) => todo.id);
    if (JSON.stringify(seen) === JSON.stringify(ids)) {
      return;
    }
    await sleep(50);
  }
  assert.fail(`the client saw ${JSON.stringify(seen)}, not ${JSON.stringify(ids)}`);
}

/**
 * Listens to the space's poke stream (Server-Sent Events) and pulls at each poke: what an app does for a client that
 * syncs over plain HTTP. Returns a function that stops listening.
 */
function pullOnPoke(spaceID, auth, rep) {
  const controller = new AbortController();
  (async () => {
    const response = await fetch(`${BASE_URL}/api/replicache/poke?spaceID=${spaceID}`, {
      headers: { Accept: 'text/event-stream', Authorization: auth },
      signal: controller.signal,
    });
    const decoder = new TextDecoder();
    for await (const chunk of response.body) {
      if (decoder.decode(chunk, { stream: true }).includes('data:')) {
        // A poke that came just before the test's end starts a pull that the client's close cuts short ("Closed").
        rep.pull().catch(() => {});
      }
    }
  })().catch(() => {}); // aborted at the end of the test
  return () => controller.abort();
}

test('a write of the backend reaches a client that syncs over HTTP, through a poke', { timeout: 60_000 }, async () => {
  const spaceID = newSpaceID();
  const auth = await token('ann', { [spaceID]: 'rw' });
  const rep = new Replicache({
    auth,
    name: `ann-${spaceID}`,
    licenseKey: TEST_LICENSE_KEY,
    kvStore: 'mem',
    pushURL: `${BASE_URL}/api/replicache/push?spaceID=${spaceID}`,
    pullURL: `${BASE_URL}/api/replicache/pull?spaceID=${spaceID}`,
    pushDelay: 0,
    pullInterval: null, // only the pokes make it pull
    mutators,
  });
  const stop = pullOnPoke(spaceID, auth, rep);
  try {
    await rep.mutate.createTodo({ id: 'a', text: 'from the client', completed: false });
    await until(rep, ['a']);
    await sleep(300); // the poke stream is open

    const written = await mutate(spaceID, [{ name: 'createTodo', args: { id: 'b', text: 'from the backend', completed: false } }]);
    assert.deepEqual(written.results, [{ ok: true }]);

    await until(rep, ['a', 'b']);
    const todos = await todosOf(rep);
    assert.equal(todos[1].text, 'from the backend');
  } finally {
    stop();
    await rep.close();
  }
});

/** A Replicache client syncing over the room's socket, with what happened to it. */
async function roomClient(spaceID, name) {
  const events = [];
  class RecordingWebSocket extends WebSocket {
    constructor(...args) {
      super(...args);
      events.push('open');
      this.addEventListener('close', (event) => events.push(`close ${event.code}`));
    }
  }
  const room = new RoomClient({
    url: roomURL(BASE_URL, spaceID),
    WebSocket: RecordingWebSocket,
    onStatus: (status) => events.push(`status ${status}`),
    auth: await token(name, { [spaceID]: 'rw' }),
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
  return { rep, room, events };
}

test('a write of the backend reaches the clients in the room, and a deleted room lets them go', { timeout: 60_000 }, async () => {
  const spaceID = newSpaceID();
  await mutate(spaceID, [{ name: 'createTodo', args: { id: 'a', text: 'made before anyone came', completed: false } }]);
  const one = await roomClient(spaceID, 'one');
  const two = await roomClient(spaceID, 'two');
  try {
    await until(one.rep, ['a']);
    await until(two.rep, ['a']);

    await mutate(spaceID, [
      { name: 'createTodo', args: { id: 'b', text: 'from the backend', completed: false } },
      { name: 'updateTodo', args: { id: 'a', completed: true } },
    ]);
    await until(one.rep, ['a', 'b']);
    await until(two.rep, ['a', 'b']);
    assert.equal((await todosOf(two.rep))[0].completed, true);

    await deleteSpace(spaceID);
    const deadline = Date.now() + 10_000;
    while (!one.events.includes('status not-found') || !two.events.includes('status not-found')) {
      assert.ok(Date.now() < deadline, `not told the room is gone: ${one.events} / ${two.events}`);
      await sleep(50);
    }
    await sleep(2_000); // long enough for a few reconnects, were the clients to try
    for (const { events } of [one, two]) {
      assert.ok(events.includes('close 4404'), events.join(', '));
      assert.equal(events.filter((event) => event === 'open').length, 1, `no reconnect: ${events.join(', ')}`);
    }
  } finally {
    for (const { rep, room } of [one, two]) {
      room.stop();
      await rep.close();
    }
  }
});

test('a client that syncs over HTTP gets 404 from a deleted space and backs off', { timeout: 60_000 }, async () => {
  const spaceID = newSpaceID();
  const pullURL = `${BASE_URL}/api/replicache/pull?spaceID=${spaceID}`;
  const pulls = [];
  let pullsInFlight = 0;
  const realFetch = globalThis.fetch;
  const countingFetch = async (url, init) => {
    const at = Date.now(); // when it was sent: one sent before the delete may be answered after it
    const isPull = (url instanceof Request ? url.url : String(url)) === pullURL; // the stock puller passes a Request
    pullsInFlight += isPull ? 1 : 0;
    try {
      const response = await realFetch(url, init);
      if (isPull) {
        pulls.push({ at, status: response.status });
      }
      return response;
    } finally {
      pullsInFlight -= isPull ? 1 : 0;
    }
  };
  globalThis.fetch = countingFetch; // the stock puller uses the global fetch
  const rep = new Replicache({
    auth: await token('ann', { [spaceID]: 'rw' }),
    name: `ann-${spaceID}`,
    licenseKey: TEST_LICENSE_KEY,
    kvStore: 'mem',
    pushURL: `${BASE_URL}/api/replicache/push?spaceID=${spaceID}`,
    pullURL,
    pushDelay: 0,
    pullInterval: null,
    mutators,
  });
  try {
    await rep.mutate.createTodo({ id: 'a', text: 'milk', completed: false });
    await until(rep, ['a']);
    await rep.pull({ now: true });
    // A pull still in flight when the space goes would take the next one's place: let it end first.
    for (const started = Date.now(); pullsInFlight > 0 && Date.now() - started < 5_000;) {
      await sleep(20);
    }
    await deleteSpace(spaceID);

    const deletedAt = Date.now();
    rep.pull().catch(() => {}); // as a poke would make it; its failures are what the test counts
    await sleep(6_000);
    const failed = pulls.filter((pull) => pull.at >= deletedAt).sort((a, b) => a.at - b.at);
    assert.ok(failed.length >= 1 && failed.every((pull) => pull.status === 404), JSON.stringify(failed));
    // Replicache retries a failed pull with a doubling delay: a handful of requests in six seconds, not a loop.
    assert.ok(failed.length <= 12, `${failed.length} pulls in 6 s after the delete`);
    const gaps = failed.slice(1).map((pull, i) => pull.at - failed[i].at);
    assert.ok(gaps.length < 3 || gaps.at(-1) > gaps[0], `the delay grows: ${gaps}`);
    console.log(`pulls after the delete, ms apart: ${gaps.join(', ')}`);
  } finally {
    globalThis.fetch = realFetch;
    await rep.close();
  }
});
