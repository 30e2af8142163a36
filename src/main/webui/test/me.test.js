// The name and colour a person shows the others on a list.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { colorOf, initialsOf, keepName, myName } from '../src/me.js';

class MemoryStorage {
  constructor() {
    this.items = new Map();
  }

  getItem(key) {
    return this.items.has(key) ? this.items.get(key) : null;
  }

  setItem(key, value) {
    this.items.set(key, String(value));
  }
}

test('a made-up name is kept, and so is a picked one; an empty pick keeps the old name', () => {
  const storage = new MemoryStorage();
  const first = myName(storage, () => 0);
  assert.equal(first, 'Otter 10');
  assert.equal(myName(storage, () => 0.99), first, 'the same name on every visit');
  assert.equal(keepName('  Ana Lima  ', storage), 'Ana Lima');
  assert.equal(myName(storage), 'Ana Lima');
  assert.equal(keepName('   ', storage), 'Ana Lima');
  assert.equal(keepName('x'.repeat(100), storage).length, 40);
});

test('a name has the same colour everywhere, and initials', () => {
  assert.equal(colorOf('Ana'), colorOf('Ana'));
  assert.notEqual(colorOf('Ana'), colorOf('Bo'));
  assert.match(colorOf('Ana'), /^hsl\(\d+, 65%, 45%\)$/);
  assert.equal(initialsOf('ana lima silva'), 'AL');
  assert.equal(initialsOf('Otter 42'), 'O4');
  assert.equal(initialsOf(''), '?');
  assert.equal(initialsOf('émile'), 'É');
});
