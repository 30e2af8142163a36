// The console's live change feed, its charts' data, its API calls and its routes: the logic without a browser.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ApiError, authMessage, createApi, queryString, spacePath } from '../src/console/api.js';
import { toPlotData, summaryOf } from '../src/console/charts.js';
import { FEED_SIZE, VERSIONS_BACK, addChanges, afterFeedError, startOf } from '../src/console/feed.js';
import { formatAge, oneLine, prettyJson } from '../src/console/format.js';
import { consoleRoute } from '../src/console/routes.js';
import { readActivity } from '../src/console/activity.js';

test('the feed starts a few versions back, never below 0', () => {
  assert.equal(startOf(3), 0);
  assert.equal(startOf(100), 100 - VERSIONS_BACK);
});

test('a page of changes goes on top, newest first, without repeating a change already shown', () => {
  let feed = addChanges([], [{ key: 'a', op: 'put', value: 1, version: 4 }, { key: 'b', op: 'del', version: 5 }], 1000);
  assert.deepEqual(feed.map((c) => `${c.version}${c.key}`), ['5b', '4a']);
  assert.equal(feed[0].seenAt, 1000);
  feed = addChanges(feed, [{ key: 'b', op: 'del', version: 5 }, { key: 'a', op: 'put', value: 2, version: 6 },
    { key: 'c', op: 'put', value: 3, version: 6 }], 2000);
  assert.deepEqual(feed.map((c) => `${c.version}${c.key}`), ['6c', '6a', '5b', '4a']);
  assert.equal(feed[2].seenAt, 1000, 'a change shown keeps the time it was first seen');
});

test('the feed keeps its newest changes only', () => {
  const many = Array.from({ length: FEED_SIZE + 30 }, (_, i) => ({ key: `k${i}`, op: 'put', value: i, version: i + 1 }));
  const feed = addChanges([], many, 0);
  assert.equal(feed.length, FEED_SIZE);
  assert.equal(feed[0].version, FEED_SIZE + 30);
});

test('409 and 410 start the feed again, 404 ends it, anything else is retried', () => {
  assert.deepEqual([409, 410, 404, 500, 503, 429].map(afterFeedError), ['restart', 'restart', 'gone', 'retry', 'retry', 'retry']);
});

test('chart data keeps the last hour in time order, in seconds, and skips malformed points', () => {
  const now = 10_000_000;
  const data = toPlotData([[now - 20_000, 2], [now - 3_700_000, 9], [now - 10_000, null], 'x', [now - 30_000, 1],
    [now + 5000, 4], [now - 1000, 'NaN']], now);
  assert.deepEqual(data, [[(now - 30_000) / 1000, (now - 20_000) / 1000, (now - 10_000) / 1000], [1, 2, null]]);
  assert.deepEqual(summaryOf(data), { latest: 2, max: 2 });
  assert.deepEqual(summaryOf(toPlotData(undefined, now)), { latest: null, max: null });
});

test('query strings leave out what has no value; space ids are encoded in paths', () => {
  assert.equal(queryString({ prefix: '', offset: 0, limit: 10, after: null }), '?offset=0&limit=10');
  assert.equal(queryString({}), '');
  assert.equal(queryString({ prefix: 'a b&c' }), '?prefix=a+b%26c');
  assert.equal(spacePath('s-1', '/changes'), '/api/spaces/s-1/changes');
});

test('the API sends the credential, reads error replies, and reports 401 and 403', async () => {
  const seen = [];
  const replies = [
    { status: 200, body: { ok: 1 } },
    { status: 204 },
    { status: 410, body: { error: 'ChangesPurged', message: 'since 3 is purged' } },
    { status: 401, body: { error: 'Unauthorized' } },
  ];
  const authErrors = [];
  const api = createApi({
    credential: () => 'tok',
    onAuthError: (status) => authErrors.push(status),
    fetch: async (url, init) => {
      seen.push({ url, method: init.method, auth: init.headers.Authorization });
      const { status, body } = replies.shift();
      return { status, ok: status < 300, json: async () => body };
    },
  });
  assert.deepEqual(await api.get('/api/machines'), { ok: 1 });
  assert.equal(await api.del('/api/spaces/x'), null);
  await assert.rejects(api.get('/api/spaces/x/changes', { since: 3 }),
    (error) => error instanceof ApiError && error.status === 410 && error.code === 'ChangesPurged' && !error.isAuth);
  await assert.rejects(api.get('/api/machines'), (error) => error.isAuth);
  assert.deepEqual(authErrors, [401]);
  assert.deepEqual(seen.map((s) => `${s.method} ${s.url} ${s.auth}`), ['GET /api/machines Bearer tok',
    'DELETE /api/spaces/x Bearer tok', 'GET /api/spaces/x/changes?since=3 Bearer tok', 'GET /api/machines Bearer tok']);
});

test('without a credential no Authorization header goes; an unreachable server is status 0', async () => {
  const api = createApi({ credential: () => '', fetch: async (url, init) => {
    assert.equal(init.headers.Authorization, undefined);
    throw new TypeError('Failed to fetch');
  } });
  await assert.rejects(api.get('/api/machines'), (error) => error.status === 0);
});

test('the login says why it is shown', () => {
  assert.match(authMessage(401, false), /token mode/);
  assert.match(authMessage(401, true), /did not accept/);
  assert.match(authMessage(403, true), /server credential/);
});

test('console paths name their pages; anything else is missing', () => {
  assert.deepEqual(consoleRoute('/console'), { page: 'overview' });
  assert.deepEqual(consoleRoute('/console/'), { page: 'overview' });
  assert.deepEqual(consoleRoute('/console/webhooks'), { page: 'webhooks' });
  assert.deepEqual(consoleRoute('/console/spaces/abc_1-2'), { page: 'space', spaceID: 'abc_1-2' });
  assert.deepEqual(consoleRoute('/console/spaces/abc/'), { page: 'space', spaceID: 'abc' });
  assert.deepEqual(consoleRoute('/console/spaces/a.b'), { page: 'missing' });
  assert.deepEqual(consoleRoute('/console/nope'), { page: 'missing' });
});

test('ages are short, and huge values are cut with a note', () => {
  assert.deepEqual([850, 4230, 12_400, 185_000, 7_300_000, 200_000_000, -1].map(formatAge),
    ['850 ms', '4.2 s', '12 s', '3 min', '2 h', '2 d', '–']);
  assert.equal(prettyJson({ a: [1] }), '{\n  "a": [\n    1\n  ]\n}');
  assert.match(prettyJson('x'.repeat(50), 10), /^"xxxxxxxxx\n… 42 more characters$/);
});

test('a value\'s one-line preview is cut with an ellipsis', () => {
  assert.equal(oneLine({ text: 'milk' }), '{"text":"milk"}');
  assert.equal(oneLine('abcdefghij', 6), '"abcd…');
});

test('an activity event gives the machines, the page of rooms, their total and the answering machine', () => {
  const machines = [{ id: 'm1', region: 'ams', state: 'serving', heartbeatAgeMs: 0, sockets: 2, rooms: 1 }];
  const rooms = [{ spaceID: 's', sockets: 2, changesPerMinute: 3, version: 9, owner: 'm1', region: 'ams' }];
  assert.deepEqual(readActivity({ machines: { self: 'm1', machines }, rooms: { total: 31, rooms } }),
    { machines, rooms, total: 31, self: 'm1' });
  assert.deepEqual(readActivity({ machines: { machines }, rooms: { rooms } }), { machines, rooms, total: 1, self: null });
  assert.deepEqual(readActivity({}), { machines: [], rooms: [], total: 0, self: null });
});
