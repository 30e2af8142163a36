// Shared helpers of the end-to-end tests.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { SignJWT } from 'jose';
import { listTodos } from './todo-mutators.mjs';

export const BASE_URL = (process.env.BASE_URL ?? 'http://localhost:8080').replace(/\/$/, '');

/**
 * A token for the spaces (docs/protocol.md, section Tokens), signed with the secret the server under test was given
 * (AUTH_SECRET); servers in open mode ignore it.
 */
export async function token(user, spaces, { expiresInSeconds = 3600 } = {}) {
  const secret = new TextEncoder().encode(process.env.AUTH_SECRET ?? '');
  return new SignJWT({ spaces })
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject(user)
    .setExpirationTime(Math.floor(Date.now() / 1000) + expiresInSeconds)
    .sign(secret);
}

/** A server credential (docs/protocol.md, section Server credentials): what the app's backend sends to /api/spaces. */
export async function serverToken(backend = 'backend') {
  const secret = new TextEncoder().encode(process.env.AUTH_SECRET ?? '');
  return new SignJWT({ server: true })
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject(backend)
    .setExpirationTime(Math.floor(Date.now() / 1000) + 3600)
    .sign(secret);
}

/** A fresh space for each test, so that runs never see each other's data. */
export const newSpaceID = () => `e2e-${randomUUID()}`;

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** The todos a client sees, sorted by id, as plain objects. */
export async function todosOf(rep) {
  const todos = await rep.query((tx) => listTodos(tx));
  return [...todos].sort((a, b) => a.id.localeCompare(b.id)).map((todo) => ({ ...todo }));
}

/**
 * Waits until every client has no pending mutation and all see the same todos; calls `nudge` (a pull, say)
 * between checks. Fails with both states when it does not happen in time.
 */
export async function converge(reps, { nudge = async () => {}, timeoutMs = 20_000 } = {}) {
  await Promise.all(reps.map((rep) => rep.clientGroupID)); // resolves once the instance has opened its store
  const deadline = Date.now() + timeoutMs;
  let states = [];
  let pending = [];
  while (Date.now() < deadline) {
    await nudge();
    pending = await Promise.all(reps.map((rep) => rep.experimentalPendingMutations()));
    states = await Promise.all(reps.map(todosOf));
    if (pending.every((p) => p.length === 0) && states.every((s) => JSON.stringify(s) === JSON.stringify(states[0]))) {
      return states[0];
    }
    await sleep(100);
  }
  assert.fail(`clients did not converge within ${timeoutMs} ms:\n`
    + `pending: ${JSON.stringify(pending.map((p) => p.length))}\n`
    + states.map((s, i) => `client ${i}: ${JSON.stringify(s)}`).join('\n'));
}

/** Asserts what a converged list holds: ids, texts and completion, and that sorts are distinct. */
export function assertTodos(todos, expected) {
  assert.deepEqual(todos.map(({ id, text, completed }) => ({ id, text, completed })), expected);
  assert.equal(new Set(todos.map((todo) => todo.sort)).size, todos.length, 'every todo has a sort of its own');
}
