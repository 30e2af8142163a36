// The console's server credential: cleaned as typed, kept in sessionStorage only, checked loosely before sending.
import { afterEach, test } from 'node:test';
import assert from 'node:assert/strict';
import { cleanCredential, clearCredential, credentialHeaders, credentialProblem, loadCredential, saveCredential }
  from '../src/console/credential.js';

function jwt(claims) {
  const part = (json) => Buffer.from(JSON.stringify(json)).toString('base64url');
  return `${part({ alg: 'HS256' })}.${part(claims)}.c2lnbmF0dXJl`;
}

function memoryStorage() {
  const kept = new Map();
  return {
    kept,
    getItem: (key) => kept.get(key) ?? null,
    setItem: (key, value) => kept.set(key, value),
    removeItem: (key) => kept.delete(key),
  };
}

afterEach(() => {
  delete globalThis.window;
});

test('the credential is kept in the tab\'s sessionStorage and nowhere else, and sign-out forgets it', () => {
  const session = memoryStorage();
  const local = memoryStorage();
  globalThis.window = { sessionStorage: session, localStorage: local };
  assert.equal(loadCredential(), '');
  saveCredential('a.b.c');
  assert.equal(loadCredential(), 'a.b.c');
  assert.deepEqual([...session.kept.values()], ['a.b.c']);
  assert.equal(local.kept.size, 0, 'never localStorage');
  clearCredential();
  assert.equal(loadCredential(), '');
  assert.equal(session.kept.size, 0);
});

test('without sessionStorage the credential lives in the page\'s memory only', () => {
  globalThis.window = {
    get sessionStorage() {
      throw new Error('SecurityError');
    },
  };
  saveCredential('x.y.z');
  assert.equal(loadCredential(), 'x.y.z');
  clearCredential();
  assert.equal(loadCredential(), '');
});

test('a refused write keeps the credential in memory', () => {
  const full = { getItem: () => null, setItem: () => { throw new Error('QuotaExceeded'); }, removeItem: () => {} };
  saveCredential('q.r.s', full);
  globalThis.window = {};
  assert.equal(loadCredential(), 'q.r.s');
  clearCredential(full);
});

test('what is typed loses surrounding blanks and a leading Bearer', () => {
  assert.equal(cleanCredential('  Bearer  a.b.c \n'), 'a.b.c');
  assert.equal(cleanCredential('bearer a.b.c'), 'a.b.c');
  assert.equal(cleanCredential('   '), '');
  assert.equal(cleanCredential(undefined), '');
});

test('hints before sending: not a JWT, not a server credential, expired; a good one has none', () => {
  const now = 1_900_000_000_000;
  assert.match(credentialProblem('secret', now), /not a JWT/);
  assert.match(credentialProblem('a.b c.d', now), /not a JWT/);
  assert.match(credentialProblem(jwt({ sub: 'u', exp: 2_000_000_000, spaces: { '*': 'rw' } }), now), /not a server credential/);
  assert.match(credentialProblem(jwt({ sub: 'ops', exp: 1_800_000_000, server: true }), now), /expired/);
  assert.equal(credentialProblem(jwt({ sub: 'ops', exp: 2_000_000_000, server: true }), now), null);
  assert.match(credentialProblem('e30.bm90IGpzb24.c2ln', now), /cannot be read/);
});

test('the credential goes as a Bearer header, and no header goes without one', () => {
  assert.deepEqual(credentialHeaders('a.b.c'), { Authorization: 'Bearer a.b.c' });
  assert.deepEqual(credentialHeaders(''), {});
});
