// Paging in the console: offset pages over a total (busiest rooms) and cursor pages (entries, client groups).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FIRST_PAGE, cursorOf, lastOffset, nextPage, offsetPage, pageNumber, previousPage } from '../src/console/paging.js';

const cases = [
  // offset, limit, total → from, to, page, pages, previous, next
  [0, 10, 0, 0, 0, 1, 1, null, null],
  [0, 10, 7, 1, 7, 1, 1, null, null],
  [0, 10, 10, 1, 10, 1, 1, null, null],
  [0, 10, 11, 1, 10, 1, 2, null, 10],
  [10, 10, 11, 11, 11, 2, 2, 0, null],
  [20, 10, 25, 21, 25, 3, 3, 10, null],
  [5, 10, 25, 6, 15, 1, 3, 0, 15],
  [40, 10, 25, 21, 25, 3, 3, 10, null], // past the end (rooms closed meanwhile): the last page
  [-3, 10, 25, 1, 10, 1, 3, null, 10],
];

for (const [offset, limit, total, from, to, page, pages, previous, next] of cases) {
  test(`offset ${offset}, limit ${limit}, total ${total}`, () => {
    assert.deepEqual(offsetPage(offset, limit, total),
      { offset: from === 0 ? 0 : from - 1, total, from, to, page, pages, previous, next });
  });
}

test('the last page starts at the last multiple of the limit below the total', () => {
  assert.deepEqual([0, 1, 10, 11, 20, 21].map((total) => lastOffset(10, total)), [0, 0, 0, 10, 10, 20]);
});

test('cursor pages go forward by the reply\'s next, back the way they came, and never before the first', () => {
  let pages = FIRST_PAGE;
  assert.equal(cursorOf(pages), null);
  assert.equal(previousPage(pages), pages);
  pages = nextPage(pages, 'todo/k');
  pages = nextPage(pages, 'todo/t');
  assert.equal(cursorOf(pages), 'todo/t');
  assert.equal(pageNumber(pages), 3);
  assert.equal(nextPage(pages, null), pages, 'no next: the last page stays');
  pages = previousPage(pages);
  assert.equal(cursorOf(pages), 'todo/k');
  assert.equal(cursorOf(previousPage(pages)), null);
  assert.deepEqual(FIRST_PAGE.cursors, [null], 'the first page is never changed in place');
});
