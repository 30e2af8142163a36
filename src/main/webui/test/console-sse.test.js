// The console's reading of Server-Sent Events over fetch(): the parser, the backoff, and the follower's reconnects.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SseParser, StreamError, backoffDelay, followEventStream, readEventStream } from '../src/console/sse.js';

function parse(chunks) {
  const events = [];
  const parser = new SseParser((event) => events.push(event));
  chunks.forEach((chunk) => parser.push(chunk));
  return events;
}

test('events end at a blank line; data lines join with newlines; comments and unknown fields are skipped', () => {
  assert.deepEqual(parse([': keep-alive\n\ndata:hello\n\nevent: update\ndata: {"a":\ndata: 1}\nretry: 10\nfoo: bar\n\n']), [
    { event: 'message', data: 'hello', id: null },
    { event: 'update', data: '{"a":\n1}', id: null },
  ]);
});

test('an event cut anywhere between chunks comes out whole, whatever the line endings', () => {
  const text = 'data: one\r\n\r\ndata: two\r\rdata: three\n\nid: 7\ndata: four\r\n\r\n';
  const whole = parse([text]);
  assert.deepEqual(whole.map((event) => event.data), ['one', 'two', 'three', 'four']);
  assert.equal(whole[3].id, '7');
  for (let cut = 1; cut < text.length; cut++) {
    assert.deepEqual(parse([text.slice(0, cut), text.slice(cut)]), whole, `cut at ${cut}`);
  }
  assert.deepEqual(parse([...text]), whole, 'one character at a time');
});

test('a byte order mark opening the stream is dropped; an event the stream ends in the middle of is not sent', () => {
  assert.deepEqual(parse(['\uFEFFdata: a\n\ndata: b\n']).map((event) => event.data), ['a']);
});

test('a field without a colon is the field with an empty value; only one space after the colon is dropped', () => {
  assert.deepEqual(parse(['data\n\ndata:  two spaces\n\n']).map((event) => event.data), ['', ' two spaces']);
});

test('the backoff doubles from its base up to its ceiling, jittered down to half', () => {
  const top = (failures) => backoffDelay(failures, { random: () => 1 });
  const bottom = (failures) => backoffDelay(failures, { random: () => 0 });
  assert.deepEqual([0, 1, 2, 3, 4, 5, 6].map(top), [500, 1000, 2000, 4000, 8000, 15000, 15000]);
  assert.deepEqual([0, 1, 6, 1000].map(bottom), [250, 500, 7500, 7500]);
});

/** A fetch answering from a list of replies, each a status and the chunks of its body; records the requests. */
function fakeFetch(replies) {
  const requests = [];
  const fetch = async (url, init) => {
    requests.push({ url, init });
    const { status = 200, chunks = [] } = replies.shift() ?? { status: 503 };
    const encoder = new TextEncoder();
    const body = new ReadableStream({
      start(controller) {
        chunks.forEach((chunk) => controller.enqueue(encoder.encode(chunk)));
        controller.close();
      },
    });
    return { ok: status >= 200 && status < 300, status, body };
  };
  return { fetch, requests };
}

test('a stream is read with the given headers, and a reply that is not 2xx is a StreamError with its status', async () => {
  const { fetch, requests } = fakeFetch([{ chunks: ['data: x\n', '\n'] }, { status: 429 }]);
  const events = [];
  await readEventStream('/s', { headers: { Authorization: 'Bearer t' }, fetch, onEvent: (e) => events.push(e.data) });
  assert.deepEqual(events, ['x']);
  assert.equal(requests[0].init.headers.Authorization, 'Bearer t');
  await assert.rejects(readEventStream('/s', { fetch, onEvent: () => {} }),
    (error) => error instanceof StreamError && error.status === 429);
});

test('the follower reconnects after an end or a failure, waits longer after each failure, and stops at a 401', async () => {
  const { fetch, requests } = fakeFetch([
    { chunks: ['data: 1\n\n'] }, { status: 503 }, { status: 502 }, { chunks: ['data: 2\n\n'] }, { status: 401 },
  ]);
  const waits = [];
  const events = [];
  const statuses = [];
  let authError = null;
  await new Promise((resolve) => {
    followEventStream('/api/activity', {
      fetch,
      headers: () => ({ Authorization: `Bearer t${requests.length}` }),
      onEvent: (event) => events.push(event.data),
      onStatus: (status) => statuses.push(status),
      onAuthError: (status) => {
        authError = status;
        resolve();
      },
      delay: (failures) => failures,
      setTimer: (run, wait) => {
        waits.push(wait);
        return setTimeout(run, 0);
      },
    });
  });
  assert.deepEqual(events, ['1', '2']);
  assert.deepEqual(waits, [0, 1, 2, 0], 'failures in a row count up; an open stream starts again from none');
  assert.equal(authError, 401);
  assert.equal(statuses.at(-1), 'stopped');
  assert.deepEqual(requests.map((request) => request.init.headers.Authorization), ['Bearer t0', 'Bearer t1', 'Bearer t2',
    'Bearer t3', 'Bearer t4'], 'each reconnect asks for the headers again');
});

test('stopping the follower aborts its stream and cancels a pending reconnect', async () => {
  let signal;
  const fetch = (url, init) => {
    signal = init.signal;
    return new Promise((resolve, reject) => signal.addEventListener('abort', () => reject(new DOMException('x', 'AbortError'))));
  };
  let timers = 0;
  const stop = followEventStream('/s', { fetch, onEvent: () => {}, setTimer: () => timers++ });
  await new Promise((resolve) => setTimeout(resolve, 0));
  stop();
  await new Promise((resolve) => setTimeout(resolve, 0));
  assert.equal(signal.aborted, true);
  assert.equal(timers, 0, 'no reconnect after a stop');
});
