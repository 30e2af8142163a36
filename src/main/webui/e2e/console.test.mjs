// The operator console in a real browser (Debian's Chromium, driven by playwright-core), against a server in token
// mode with a webhook endpoint that refuses every delivery: an operator signs in, watches a list that two people have
// open in the todo app, sees a change arrive live, retries a dead delivery, and deletes the list. BASE_URL names the running server; AUTH_SECRET is the secret its tokens are signed with.
// Leaves screenshots (target/ of the repository) of the space view in target/console.png (docs/console.png is a copy),
// and of the overview, the webhooks and the login in target/console-overview.png, target/console-webhooks.png and
// target/console-login.png.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { launchChromium } from './browser.mjs';

const BASE_URL = (process.env.BASE_URL ?? 'http://localhost:8080').replace(/\/$/, '');
const REPOSITORY = resolve(dirname(fileURLToPath(import.meta.url)), '../../../..');
const SCREENSHOT = resolve(REPOSITORY, 'target/console.png');
const OVERVIEW_SCREENSHOT = resolve(REPOSITORY, 'target/console-overview.png');
/** How soon a change made in the todo app must show in the console's feed. */
const LIVE_MS = 1000;
/** The laptop screen the console is made for. */
const LAPTOP = { width: 1366, height: 768 };

/** An HS256 JWT signed with the server's secret. */
function sign(claims) {
  const part = (json) => Buffer.from(JSON.stringify(json)).toString('base64url');
  const unsigned = `${part({ alg: 'HS256', typ: 'JWT' })}.${part({ exp: Math.floor(Date.now() / 1000) + 3600, ...claims })}`;
  const signature = createHmac('sha256', process.env.AUTH_SECRET ?? '').update(unsigned).digest('base64url');
  return `${unsigned}.${signature}`;
}

let browser;

before(async () => {
  browser = await launchChromium();
});

after(async () => {
  await browser?.close();
});

/** A browser context of its own with one page; records uncaught errors and every script and style it loads. */
async function open(name, viewport, localName) {
  const context = await browser.newContext({ viewport });
  if (localName) {
    await context.addInitScript((picked) => localStorage.setItem('replicache-quarkus.name', picked), localName);
  }
  const page = await context.newPage();
  const errors = [];
  const loaded = [];
  page.on('pageerror', (error) => errors.push(`${name}: ${error.message}`));
  page.on('request', (request) => loaded.push(request.url()));
  return { name, context, page, errors, loaded };
}

async function expectVisible(locator, timeout, what) {
  try {
    await locator.first().waitFor({ state: 'visible', timeout });
  } catch {
    assert.fail(`${what}, within ${timeout} ms`);
  }
}

async function addTodo(who, text) {
  const input = who.page.getByLabel('New todo');
  await input.fill(text);
  await input.press('Enter');
}

async function signIn(operator, token) {
  await operator.page.getByLabel('Server credential').fill(token);
  await operator.page.getByRole('button', { name: /^Sign in/ }).click();
}

test('an operator watches a list live and deletes it', { timeout: 120_000 }, async () => {
  const operator = await open('operator', LAPTOP);
  const alice = await open('Alice', { width: 800, height: 640 }, 'Alice');
  const bob = await open('Bob', { width: 800, height: 640 }, 'Bob');
  try {
    // Token mode: the console asks for a credential; a client's token is refused with a reason.
    await operator.page.goto(`${BASE_URL}/console`);
    await expectVisible(operator.page.getByTestId('login-message').filter({ hasText: 'token mode' }), 5000,
      'the console asks for a server credential');
    await signIn(operator, sign({ sub: 'someone', spaces: { '*': 'rw' } }));
    await expectVisible(operator.page.getByText('not a server credential'), 1000, 'the login warns before sending');
    await operator.page.getByRole('button', { name: 'Sign in anyway' }).click();
    await expectVisible(operator.page.getByTestId('login-message').filter({ hasText: 'needs a server credential' }),
      5000, 'the server refuses a client token (403), and the login says why');
    await operator.page.screenshot({ path: resolve(REPOSITORY, 'target/console-login.png') });
    await signIn(operator, sign({ sub: 'ops', server: true }));
    await expectVisible(operator.page.getByTestId('machines').locator('tbody tr'), 5000, 'the machines table');
    await expectVisible(operator.page.getByTestId('chart').nth(3), 5000, 'four charts of the last hour');
    assert.deepEqual(await operator.page.getByTestId('chart').locator('figcaption span').allTextContents(),
      ['Pushes', 'Pokes', 'Sockets', 'Poke latency p99']);
    assert.equal(await operator.page.evaluate(() => Object.keys(localStorage).filter((key) => key.includes('credential'))
      .length), 0, 'the credential is not in localStorage');

    // Alice makes a list in the todo app; Bob opens it too.
    const client = (sub) => sign({ sub, spaces: { '*': 'rw' } });
    await alice.page.goto(`${BASE_URL}/?token=${client('alice')}`);
    await alice.page.getByRole('button', { name: 'New list' }).click();
    await alice.page.waitForURL(/\/list\/[A-Za-z0-9_-]+$/, { timeout: 5000 });
    const spaceID = alice.page.url().split('/').pop();
    await expectVisible(alice.page.getByTestId('status').filter({ hasText: 'Connected' }), 5000, 'Alice connects');
    await addTodo(alice, 'Buy milk');
    await addTodo(alice, 'Walk the dog');
    await bob.page.goto(`${BASE_URL}/list/${spaceID}?token=${client('bob')}`);
    await expectVisible(bob.page.getByTestId('status').filter({ hasText: 'Connected' }), 5000, 'Bob connects');

    // The room shows among the busiest rooms, found by its id's prefix, with its two sockets.
    await operator.page.getByLabel('Search by id prefix').fill(spaceID.slice(0, 8));
    const room = operator.page.locator(`[data-testid=room][data-space="${spaceID}"]`);
    await expectVisible(room, 5000, 'the list shows among the busiest rooms');
    await expectVisible(room.locator('td').first().filter({ hasText: /^2$/ }), 5000, 'with its two sockets');
    await expectVisible(operator.page.getByTestId('activity-status').filter({ hasText: 'Live' }), 2000,
      'the activity stream is live');
    await operator.page.screenshot({ path: OVERVIEW_SCREENSHOT });

    // The space view, by keyboard: who is present, what the list holds, its client groups.
    await room.getByRole('link', { name: spaceID }).focus();
    await operator.page.keyboard.press('Enter');
    await operator.page.waitForURL(`${BASE_URL}/console/spaces/${spaceID}`, { timeout: 2000 });
    await expectVisible(operator.page.locator('[data-testid=person][data-name="Alice"]'), 5000, 'Alice is present');
    await expectVisible(operator.page.locator('[data-testid=person][data-name="Bob"]'), 5000, 'Bob is present');
    await expectVisible(operator.page.getByTestId('entries').getByText('"Walk the dog"'), 5000,
      'the entries show the todos, values pretty-printed');
    await expectVisible(operator.page.getByTestId('client-groups').getByText('alice'), 5000,
      'the client groups name their users');
    await expectVisible(operator.page.getByTestId('feed-status').filter({ hasText: 'Live' }), 5000, 'the feed is live');

    // A change in the todo app shows in the feed within a second.
    await alice.page.getByRole('button', { name: 'Edit Buy milk' }).click();
    await expectVisible(operator.page.locator('[data-testid=person][data-name="Alice"]').getByText('editing'), 3000,
      'the console shows what Alice edits');
    await alice.page.keyboard.press('Escape');
    await addTodo(bob, 'Water the plants');
    const started = Date.now();
    await expectVisible(operator.page.getByTestId('change').filter({ hasText: 'Water the plants' }), LIVE_MS,
      'Bob\'s new todo shows in the feed');
    const took = Date.now() - started;
    assert.ok(took <= LIVE_MS, `the change took ${took} ms to reach the feed`);

    // The entries were read before Bob's todo: the refresh button says so, and brings it.
    await operator.page.getByRole('button', { name: 'Newer changes: refresh' }).click();
    await expectVisible(operator.page.getByTestId('entries').getByText('"Water the plants"'), 5000,
      'a refresh brings the newer entries');

    // No horizontal scrolling on a laptop screen.
    assert.ok(await operator.page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth),
      'the space view fits the width of a 1366x768 screen');
    mkdirSync(dirname(SCREENSHOT), { recursive: true });
    await operator.page.locator('[data-testid=person] details').first().evaluate((details) => details.removeAttribute('open'));
    await operator.page.screenshot({ path: SCREENSHOT });

    // Close sockets: a confirmation, Escape dismisses it and gives the focus back; confirmed, clients reconnect.
    const closeButton = operator.page.getByRole('button', { name: 'Close sockets' });
    await closeButton.click();
    await expectVisible(operator.page.getByRole('dialog', { name: 'Close this space\'s sockets?' }), 1000, 'asks first');
    await operator.page.keyboard.press('Escape');
    assert.equal(await operator.page.getByRole('dialog').count(), 0, 'Escape dismisses the confirmation');
    assert.ok(await closeButton.evaluate((button) => button === document.activeElement), 'the focus is back on the button');
    await closeButton.click();
    await operator.page.getByRole('dialog').getByRole('button', { name: 'Close sockets' }).click();
    await expectVisible(operator.page.getByTestId('action-outcome').filter({ hasText: /Closed 2 sockets/ }), 5000,
      'says how many sockets were closed');
    await expectVisible(alice.page.getByTestId('status').filter({ hasText: 'Connected' }), 10_000, 'Alice reconnects');

    // Webhooks: the endpoint (which refuses every connection) and the list's dead deliveries, one of them retried.
    await operator.page.getByRole('navigation', { name: 'Console' }).getByRole('link', { name: 'Webhooks' }).click();
    await expectVisible(operator.page.getByTestId('endpoints').getByRole('rowheader', { name: 'refused' }), 5000,
      'the webhooks page lists the endpoint');
    const deadRow = operator.page.getByTestId('dead').locator('tbody tr').filter({ hasText: spaceID });
    await expectVisible(deadRow, 15_000, 'the list\'s changes died at the refusing endpoint');
    await operator.page.screenshot({ path: resolve(REPOSITORY, 'target/console-webhooks.png') });
    // A retry is refused while a later delivery of the same space is in flight: wait until none is pending.
    const pending = operator.page.getByTestId('endpoints').locator('tbody tr') // its cells: URL, Delivered, Pending
      .filter({ has: operator.page.getByRole('rowheader', { name: 'refused' }) }).locator('td').nth(2);
    await expectVisible(pending.filter({ hasText: /^0$/ }), 15_000, 'the endpoint has no delivery pending');
    await deadRow.first().getByRole('button', { name: /^Retry delivery/ }).click();
    await expectVisible(operator.page.getByText(/is queued again/), 5000, 'a dead delivery is queued again');
    await operator.page.goBack();
    await operator.page.waitForURL(`${BASE_URL}/console/spaces/${spaceID}`, { timeout: 2000 });

    // Delete the space: the button waits for the id typed; then the todo app stops syncing cleanly.
    await operator.page.getByRole('button', { name: 'Delete space' }).click();
    const dialog = operator.page.getByRole('dialog', { name: 'Delete this space?' });
    const confirm = dialog.getByRole('button', { name: 'Delete space' });
    assert.equal(await confirm.isDisabled(), true, 'not before the id is typed');
    await dialog.getByLabel(`Type ${spaceID} to confirm`).fill(spaceID.slice(0, -1));
    assert.equal(await confirm.isDisabled(), true, 'not with a wrong id');
    await dialog.getByLabel(`Type ${spaceID} to confirm`).fill(spaceID);
    await confirm.click();
    await expectVisible(operator.page.getByTestId('space-gone').filter({ hasText: 'This space was deleted' }), 5000,
      'the console says the space is deleted');
    for (const person of [alice, bob]) {
      await expectVisible(person.page.getByTestId('status').filter({ hasText: 'This list was deleted' }), 5000,
        `${person.name}'s list says it was deleted`);
    }

    // The todo app never loaded the console's code or its charts.
    for (const person of [alice, bob]) {
      const consoleFiles = person.loaded.filter((url) => /ConsoleApp|uplot/i.test(url));
      assert.deepEqual(consoleFiles, [], `${person.name}'s todo app loads nothing of the console`);
    }
    assert.ok(operator.loaded.some((url) => /ConsoleApp/.test(url)), 'the console loads its own bundle');
    assert.deepEqual([...operator.errors, ...alice.errors, ...bob.errors], [], 'no uncaught error in any page');
  } finally {
    await operator.context.close();
    await alice.context.close();
    await bob.context.close();
  }
});
