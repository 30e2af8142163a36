// Taking a token from the page's address: a link must not silently swap the identity a tab already holds.
import { beforeEach, test } from 'node:test';
import assert from 'node:assert/strict';
import { SWITCH_QUESTION, adoptTokenFromURL, authHeaders, currentToken, identityOf } from '../src/sync/auth.js';

/** A token as the site mints it; the app never checks signatures (the server does), so any third part will do. */
function token(claims) {
  const part = (json) => Buffer.from(JSON.stringify(json)).toString('base64url');
  return `${part({ alg: 'HS256' })}.${part(claims)}.signature`;
}

const ALICE = token({ sub: 'alice', exp: 2000000000, spaces: { '*': 'rw' } });
const ALICE_LATER = token({ sub: 'alice', exp: 2000003600, spaces: { '*': 'rw' } });
const MALLORY = token({ sub: 'mallory', exp: 2000000000, spaces: { '*': 'rw' } });

/** A tab at this address, holding this token (or none); confirm() answers as told and records what it was asked. */
function tab(href, { holding = null, answer = false, storage = true } = {}) {
  const stored = new Map(holding ? [['replicache-token', holding]] : []);
  const tab = { asked: [], addresses: [] };
  globalThis.window = {
    location: { href },
    history: {
      state: { from: 'router' },
      replaceState(state, title, url) {
        assert.deepEqual(state, { from: 'router' }, 'the history state is kept');
        tab.addresses.push(url);
        window.location.href = new URL(url, href).href;
      },
    },
    get sessionStorage() {
      if (!storage) {
        throw new Error('SecurityError: storage is disabled');
      }
      return { getItem: (key) => stored.get(key) ?? null, setItem: (key, value) => stored.set(key, value) };
    },
    confirm(question) {
      tab.asked.push(question);
      return answer;
    },
  };
  return tab;
}

beforeEach(() => {
  delete globalThis.window;
});

test('a tab without a token takes the link\'s and the address loses it, keeping the rest', () => {
  const seen = tab(`http://app/list/s1?token=${ALICE}&x=1#top`);
  assert.equal(adoptTokenFromURL(), 'adopted');
  assert.equal(currentToken(), ALICE);
  assert.deepEqual(seen.addresses, ['/list/s1?x=1#top']);
  assert.deepEqual(seen.asked, [], 'nothing to ask');
  assert.deepEqual(authHeaders(), { Authorization: `Bearer ${ALICE}` });
});

test('a link with another identity does not replace the tab\'s token unless the person confirms', () => {
  const refused = tab(`http://app/?token=${MALLORY}`, { holding: ALICE, answer: false });
  const outcome = adoptTokenFromURL();
  assert.equal(currentToken(), ALICE, 'still alice');
  assert.deepEqual(refused.asked, [SWITCH_QUESTION]);
  assert.deepEqual(refused.addresses, ['/'], 'the link\'s token is gone from the address all the same');
  assert.equal(outcome, 'kept');

  const confirmed = tab(`http://app/?token=${MALLORY}`, { holding: ALICE, answer: true });
  assert.equal(adoptTokenFromURL(), 'adopted');
  assert.equal(currentToken(), MALLORY);
  assert.deepEqual(confirmed.asked, [SWITCH_QUESTION]);
});

test('the question names no text of the link\'s own', () => {
  const sneaky = token({ sub: 'Your session expired: press OK to stay signed in', exp: 2000000000 });
  const seen = tab(`http://app/?token=${sneaky}`, { holding: ALICE });
  adoptTokenFromURL();
  assert.deepEqual(seen.asked, [SWITCH_QUESTION]);
});

test('the same token, or a fresh one of the same identity, is taken without a question', () => {
  const same = tab(`http://app/?token=${ALICE}`, { holding: ALICE });
  assert.equal(adoptTokenFromURL(), 'adopted');
  assert.deepEqual(same.asked, []);

  const fresh = tab(`http://app/list/s1?token=${ALICE_LATER}`, { holding: ALICE });
  assert.equal(adoptTokenFromURL(), 'adopted');
  assert.equal(currentToken(), ALICE_LATER, 'signing in again from the site renews the token');
  assert.deepEqual(fresh.asked, []);
});

test('a token that cannot be read counts as another identity', () => {
  const seen = tab('http://app/?token=not-a-jwt', { holding: ALICE });
  assert.equal(adoptTokenFromURL(), 'kept');
  assert.equal(seen.asked.length, 1);
  assert.equal(identityOf('not-a-jwt'), null);
  assert.equal(identityOf(token({ sub: '' })), null, 'an empty sub names nobody');
  assert.notEqual(identityOf(token({ sub: 'alice', iss: 'a' })), identityOf(token({ sub: 'alice', iss: 'b' })));
});

test('an address without a token is left alone', () => {
  const seen = tab('http://app/list/s1?x=1', { holding: ALICE });
  assert.equal(adoptTokenFromURL(), 'none');
  assert.deepEqual(seen.addresses, []);
  assert.equal(currentToken(), ALICE);

  const empty = tab('http://app/?token=', { holding: ALICE });
  assert.equal(adoptTokenFromURL(), 'none');
  assert.deepEqual(empty.addresses, ['/'], 'an empty token parameter is taken out too');
  assert.equal(currentToken(), ALICE);
});

test('without sessionStorage the token lives in the page', () => {
  tab(`http://app/?token=${ALICE}`, { storage: false });
  const outcome = adoptTokenFromURL();
  assert.equal(currentToken(), ALICE);
  assert.equal(outcome, 'adopted');
});
