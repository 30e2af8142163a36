// The todo app in a real browser (Debian's Chromium, driven by playwright-core): two people on one list, one of them
// offline for a while. BASE_URL names the running server, which serves the built app; CHROMIUM_PATH the browser.
// Leaves screenshots of the list page in target/todo-list.png and target/todo-presence.png (target/ of the repository).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { launchChromium } from './browser.mjs';

const BASE_URL = (process.env.BASE_URL ?? 'http://localhost:8080').replace(/\/$/, '');
const SCREENSHOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../../../target/todo-list.png');
const PRESENCE_SCREENSHOT = resolve(dirname(SCREENSHOT), 'todo-presence.png');
/** How soon a change made by one person must show on the other's screen. */
const LIVE_MS = 1000;

let browser;

before(async () => {
  browser = await launchChromium();
});

after(async () => {
  await browser?.close();
});

/**
 * A person: a browser context of their own (own IndexedDB, own Replicache client group) with one page, under a name
 * the app shows the others.
 */
async function person(name) {
  const context = await browser.newContext({ viewport: { width: 800, height: 640 } });
  await context.addInitScript((picked) => {
    if (!localStorage.getItem('replicache-quarkus.name')) {
      localStorage.setItem('replicache-quarkus.name', picked);
    }
  }, name);
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (error) => errors.push(`${name}: ${error.message}`));
  return { name, context, page, errors };
}

/** The todos a page shows, in order, with [x] for the completed ones. */
function todosOf(page) {
  return page.locator('[data-testid=todo]').evaluateAll((items) => items.map((item) =>
    `${item.querySelector('input[type=checkbox]').checked ? '[x]' : '[ ]'} ${item.querySelector('.text').textContent}`));
}

/** Waits (bounded) until the page shows exactly these todos, failing with what it shows instead. */
async function expectTodos(who, expected, timeout, what) {
  const deadline = Date.now() + timeout;
  let shown;
  do {
    shown = await todosOf(who.page);
    if (JSON.stringify(shown) === JSON.stringify(expected)) {
      return;
    }
    await who.page.waitForTimeout(20);
  } while (Date.now() < deadline);
  assert.deepEqual(shown, expected, `${who.name}: ${what}, within ${timeout} ms`);
}

/** Waits (bounded) until a locator is there, failing with a message that says what was expected. */
async function expectVisible(locator, timeout, what) {
  try {
    await locator.waitFor({ state: 'visible', timeout });
  } catch {
    assert.fail(`${what}, within ${timeout} ms`);
  }
}

async function expectStatus(who, text, timeout) {
  const status = who.page.getByTestId('status');
  try {
    await status.filter({ hasText: text }).waitFor({ timeout });
  } catch {
    assert.fail(`${who.name}: the status should say "${text}" within ${timeout} ms; it says `
      + `"${await status.textContent().catch(() => '(no status line)')}"`);
  }
}

async function focusedLabel(page) {
  return page.evaluate(() => document.activeElement?.getAttribute('aria-label') ?? document.activeElement?.tagName);
}

async function addTodo(who, text) {
  const input = who.page.getByLabel('New todo');
  await input.fill(text);
  await input.press('Enter');
}

test('two people share a list live, offline edits included', { timeout: 120_000 }, async () => {
  const alice = await person('Alice');
  const bob = await person('Bob');
  try {
    // Alice makes a new list from the home page; Bob opens its link.
    await alice.page.goto(`${BASE_URL}/`);
    await alice.page.getByRole('button', { name: 'New list' }).click();
    await alice.page.waitForURL(/\/list\/[A-Za-z0-9_-]+$/, { timeout: 5000 });
    const listURL = alice.page.url();
    const spaceID = listURL.split('/').pop();
    await expectStatus(alice, 'Connected', 5000);
    await expectVisible(alice.page.getByText('Nothing to do yet.'), 2000, 'Alice: a new list says it is empty');
    await bob.page.goto(listURL);
    await expectStatus(bob, 'Connected', 5000);

    // What Alice adds and completes, Bob sees within a second.
    await addTodo(alice, 'Buy milk');
    await addTodo(alice, 'Walk the dog');
    await expectTodos(alice, ['[ ] Buy milk', '[ ] Walk the dog'], LIVE_MS, 'her own todos show at once');
    await expectTodos(bob, ['[ ] Buy milk', '[ ] Walk the dog'], LIVE_MS, 'Bob sees what Alice added');
    await alice.page.getByLabel('Done: Buy milk').check();
    await expectTodos(bob, ['[x] Buy milk', '[ ] Walk the dog'], LIVE_MS, 'Bob sees what Alice completed');
    await expectVisible(bob.page.getByTestId('left').filter({ hasText: '1 item left' }), LIVE_MS,
      'Bob: the footer counts the todos left');

    // Keyboard only: Edit, Escape cancels and gives the focus back to the Edit button.
    await alice.page.getByRole('button', { name: 'Edit Walk the dog' }).focus();
    await alice.page.keyboard.press('Enter');
    assert.equal(await focusedLabel(alice.page), 'Edit Walk the dog', 'Alice: the edit box has the focus');
    assert.equal(await alice.page.getByRole('textbox', { name: 'Edit Walk the dog' }).count(), 1);
    await alice.page.keyboard.type(' NOT SAVED');
    await alice.page.keyboard.press('Escape');
    await expectTodos(alice, ['[x] Buy milk', '[ ] Walk the dog'], LIVE_MS, 'Escape keeps the old text');
    assert.equal(await alice.page.getByRole('button', { name: 'Edit Walk the dog' }).evaluate(
      (button) => button === document.activeElement), true, 'Alice: the focus is back on the Edit button');

    // Bob goes offline and keeps editing; Alice goes on too.
    await bob.context.setOffline(true);
    await expectStatus(bob, 'Offline', 3000);
    await addTodo(bob, 'Written offline');
    await bob.page.getByLabel('Done: Walk the dog').check();
    await bob.page.getByText('Buy milk', { exact: true }).dblclick();
    const editBox = bob.page.getByRole('textbox', { name: 'Edit Buy milk' });
    await editBox.fill('Buy oat milk');
    await editBox.press('Enter');
    await expectTodos(bob, ['[x] Buy oat milk', '[x] Walk the dog', '[ ] Written offline'], LIVE_MS,
      'offline changes show at once');
    await expectVisible(bob.page.getByTestId('pending').filter({ hasText: '3 changes not yet confirmed' }), 2000,
      'Bob: the status line counts his 3 unconfirmed changes');
    await addTodo(alice, 'Written online');
    await expectTodos(alice, ['[x] Buy milk', '[ ] Walk the dog', '[ ] Written online'], LIVE_MS,
      'Alice sees nothing of Bob\'s offline changes yet');
    await bob.page.waitForTimeout(300);
    await expectTodos(bob, ['[x] Buy oat milk', '[x] Walk the dog', '[ ] Written offline'], 0,
      'Bob, offline, sees nothing of Alice\'s new todo');

    // Back online, both converge on everything: Bob's todo was created on the server after Alice's, so it sorts last.
    await bob.context.setOffline(false);
    await expectStatus(bob, 'Connected', 15_000);
    const all = ['[x] Buy oat milk', '[x] Walk the dog', '[ ] Written online', '[ ] Written offline'];
    await expectTodos(bob, all, 5000, 'back online, Bob has everything');
    await expectTodos(alice, all, 5000, 'Alice has Bob\'s offline changes');
    try {
      await bob.page.getByTestId('pending').waitFor({ state: 'detached', timeout: 5000 });
    } catch {
      assert.fail('Bob: his changes should all be confirmed within 5 s of coming back online');
    }

    // A reload keeps the list (and the connection comes back).
    await bob.page.reload();
    await expectTodos(bob, all, 5000, 'the list after a reload');
    await expectStatus(bob, 'Connected', 5000);

    // Clearing the completed ones reaches the other side; so does a new todo after the reload.
    await alice.page.getByRole('button', { name: 'Clear completed' }).click();
    await expectTodos(bob, ['[ ] Written online', '[ ] Written offline'], LIVE_MS, 'Bob sees the completed ones cleared');
    await addTodo(bob, 'Water the plants');
    await bob.page.getByLabel('Done: Water the plants').check();
    await expectTodos(alice, ['[ ] Written online', '[ ] Written offline', '[x] Water the plants'], LIVE_MS,
      'Alice sees what Bob did after his reload');
    await expectVisible(alice.page.getByTestId('left').filter({ hasText: '2 items left' }), LIVE_MS,
      'Alice: the footer counts the todos left');

    mkdirSync(dirname(SCREENSHOT), { recursive: true });
    await alice.page.screenshot({ path: SCREENSHOT, fullPage: true });

    // The home page lists the list.
    await bob.page.goto(`${BASE_URL}/`);
    await expectVisible(bob.page.getByRole('link', { name: spaceID }), 5000, 'the home page links to the new list');

    assert.deepEqual([...alice.errors, ...bob.errors], [], 'no uncaught error in either page');
  } finally {
    await alice.context.close();
    await bob.context.close();
  }
});

/** Waits (bounded) until the locator matches nothing, failing with what was expected. */
async function expectGone(locator, timeout, what) {
  try {
    await locator.first().waitFor({ state: 'detached', timeout });
  } catch {
    assert.fail(`${what}, within ${timeout} ms`);
  }
}

test('each person sees who else has the list open, what they edit, and when they leave', { timeout: 60_000 },
  async () => {
    const carol = await person('Carol');
    const dave = await person('Dave');
    try {
      await carol.page.goto(`${BASE_URL}/`);
      await carol.page.getByRole('button', { name: 'New list' }).click();
      await carol.page.waitForURL(/\/list\/[A-Za-z0-9_-]+$/, { timeout: 5000 });
      await expectStatus(carol, 'Connected', 5000);
      await addTodo(carol, 'Plan the trip');
      await dave.page.goto(carol.page.url());
      await expectStatus(dave, 'Connected', 5000);

      await expectVisible(dave.page.locator('[data-testid=avatar][data-name="Carol"]'), LIVE_MS,
        'Dave sees Carol\'s avatar');
      await expectVisible(carol.page.locator('[data-testid=avatar][data-name="Dave"]'), LIVE_MS,
        'Carol sees Dave\'s avatar');
      assert.equal(await dave.page.locator('[data-testid=avatar]').count(), 1, 'Dave does not see himself among the others');

      // Carol edits the item: Dave sees her marker on it, and it goes when she is done.
      await carol.page.getByText('Plan the trip', { exact: true }).dblclick();
      const marker = dave.page.locator('[data-testid=todo]', { hasText: 'Plan the trip' })
        .locator('[data-testid=editor][data-name="Carol"]');
      await expectVisible(marker, LIVE_MS, 'Dave sees that Carol edits "Plan the trip"');
      await addTodo(dave, 'Book the train');
      await expectTodos(dave, ['[ ] Plan the trip', '[ ] Book the train'], LIVE_MS, 'Dave adds his own todo meanwhile');
      mkdirSync(dirname(SCREENSHOT), { recursive: true });
      await dave.page.screenshot({ path: PRESENCE_SCREENSHOT, fullPage: true });
      await carol.page.keyboard.press('Escape');
      await expectGone(marker, LIVE_MS, 'Carol\'s marker goes when she stops editing');

      // Carol closes her page: she vanishes from Dave's screen.
      await carol.page.close();
      await expectGone(dave.page.locator('[data-testid=avatar][data-name="Carol"]'), LIVE_MS,
        'Carol vanishes from Dave\'s screen when her page closes');
      assert.deepEqual([...carol.errors, ...dave.errors], [], 'no uncaught error in either page');
    } finally {
      await carol.context.close();
      await dave.context.close();
    }
  });
