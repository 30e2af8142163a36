// The todo app in a real browser (Debian's Chromium, driven by playwright-core): two people on one list, one of them
// offline for a while. BASE_URL names the running server, which serves the built app.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const BASE_URL = (process.env.BASE_URL ?? 'http://localhost:8080').replace(/\/$/, '');
const SCREENSHOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../../../target/todo-list.png');

let browser;

before(async () => {
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    headless: true,
    // Playwright gives each launch a fresh profile of its own. No background networking: this machine's network is
    // closed, and Chromium would try (and fail) to reach Google's services at every start.
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync'],
  });
});

after(async () => {
  await browser?.close();
});

/** The texts of the list's todos, in order, with [x] for the completed ones. */
function todosOf(page) {
  return page.locator('[data-testid=todo]').evaluateAll((items) => items.map((item) =>
    `${item.querySelector('input[type=checkbox]').checked ? '[x]' : '[ ]'} ${item.querySelector('.text').textContent}`));
}

/** Waits until the page shows exactly these todos (bounded), failing with what it shows instead. */
async function expectTodos(page, expected, timeout = 1000, what = '') {
  const deadline = Date.now() + timeout;
  let shown;
  do {
    shown = await todosOf(page);
    if (JSON.stringify(shown) === JSON.stringify(expected)) {
      return;
    }
    await page.waitForTimeout(25);
  } while (Date.now() < deadline);
  assert.deepEqual(shown, expected, `${what} within ${timeout} ms`);
}

async function expectStatus(page, text, timeout = 5000) {
  await page.getByTestId('status').filter({ hasText: text }).waitFor({ timeout });
}

async function addTodo(page, text) {
  await page.getByLabel('New todo').fill(text);
  await page.getByLabel('New todo').press('Enter');
}

test('two people share a list live, offline edits included', { timeout: 120_000 }, async () => {
  const alice = await browser.newContext();
  const bob = await browser.newContext();
  const pageA = await alice.newPage();
  const pageB = await bob.newPage();
  pageA.on('pageerror', (error) => assert.fail(`page error: ${error.message}`));

  // Alice makes a new list from the home page; Bob opens its link.
  await pageA.goto(`${BASE_URL}/`);
  await pageA.getByRole('button', { name: 'New list' }).click();
  await pageA.waitForURL(/\/list\/[a-z2-7]{20}$/);
  const listURL = pageA.url();
  await expectStatus(pageA, 'Connected');
  await pageB.goto(listURL);
  await expectStatus(pageB, 'Connected');

  // What Alice adds and completes, Bob sees within a second.
  await addTodo(pageA, 'Buy milk');
  await addTodo(pageA, 'Walk the dog');
  await expectTodos(pageB, ['[ ] Buy milk', '[ ] Walk the dog'], 1000, 'Bob sees what Alice added');
  await pageA.getByLabel('Done: Buy milk').check();
  await expectTodos(pageB, ['[x] Buy milk', '[ ] Walk the dog'], 1000, 'Bob sees what Alice completed');
  await pageB.getByTestId('left').filter({ hasText: '1 item left' }).waitFor({ timeout: 1000 });

  // Bob goes offline and keeps editing; Alice goes on too.
  await bob.setOffline(true);
  await expectStatus(pageB, 'Offline');
  await addTodo(pageB, 'Written offline');
  await pageB.getByLabel('Done: Walk the dog').check();
  await pageB.getByRole('button', { name: 'Edit Buy milk' }).click();
  await pageB.getByLabel('Edit Buy milk').fill('Buy oat milk');
  await pageB.getByLabel('Edit Buy milk').press('Enter');
  await pageB.getByTestId('pending').waitFor({ timeout: 2000 });
  await addTodo(pageA, 'Written online');
  await expectTodos(pageA, ['[x] Buy milk', '[ ] Walk the dog', '[ ] Written online'], 1000, 'Alice alone');

  // Back online, both converge on everything.
  await bob.setOffline(false);
  await expectStatus(pageB, 'Connected', 15_000);
  const all = ['[x] Buy oat milk', '[x] Walk the dog', '[ ] Written offline', '[ ] Written online'];
  const sorted = (todos) => [...todos].sort((a, b) => a.slice(4).localeCompare(b.slice(4)));
  for (const page of [pageA, pageB]) {
    const deadline = Date.now() + 15_000;
    while (JSON.stringify(sorted(await todosOf(page))) !== JSON.stringify(sorted(all)) && Date.now() < deadline) {
      await page.waitForTimeout(50);
    }
    assert.deepEqual(sorted(await todosOf(page)), sorted(all), 'both converge after the offline spell');
  }
  assert.deepEqual(await todosOf(pageA), await todosOf(pageB), 'in the same order');
  await pageB.getByTestId('pending').waitFor({ state: 'detached', timeout: 10_000 });

  // A reload keeps the list; clearing completed ones reaches the other side.
  await pageB.reload();
  await expectTodos(pageB, await todosOf(pageA), 5000, 'the list after a reload');
  await pageA.getByRole('button', { name: 'Clear completed' }).click();
  // The server ran Bob's offline create after Alice's online one, so it sorts last on both sides.
  await expectTodos(pageB, ['[ ] Written online', '[ ] Written offline'], 1000, 'Bob sees the completed ones cleared');

  await addTodo(pageA, 'Water the plants');
  await pageA.getByLabel('Done: Water the plants').check();
  await expectTodos(pageB, await todosOf(pageA), 1000, 'Bob is in step');
  await pageA.getByTestId('pending').waitFor({ state: 'detached', timeout: 10_000 });
  mkdirSync(dirname(SCREENSHOT), { recursive: true });
  await pageA.screenshot({ path: SCREENSHOT, fullPage: true });

  // The home page lists the list, with the two people in it.
  await pageB.goto(`${BASE_URL}/`);
  await pageB.getByRole('link', { name: listURL.split('/').pop() }).waitFor({ timeout: 5000 });

  await alice.close();
  await bob.close();
});
