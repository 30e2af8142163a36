// Paging, two ways: by offset and total (busiest rooms), and by cursor (entries and client groups, where each page
// says where the next one starts and the way back is remembered).

/**
 * Where a page of `limit` rows starting at `offset` stands among `total`: its rows (1-based, `from`..`to`, 0..0 when
 * empty), its number of `pages`, and the offsets of the previous and next pages (null when there is none).
 */
export function offsetPage(offset, limit, total) {
  const size = Math.max(1, Math.floor(limit));
  const count = Math.max(0, Math.floor(total));
  const start = Math.min(Math.max(0, Math.floor(offset)), lastOffset(size, count));
  return {
    offset: start,
    total: count,
    from: count === 0 ? 0 : start + 1,
    to: Math.min(start + size, count),
    page: Math.floor(start / size) + 1,
    pages: Math.max(1, Math.ceil(count / size)),
    previous: start > 0 ? Math.max(0, start - size) : null,
    next: start + size < count ? start + size : null,
  };
}

/** The offset of the last page (0 when there are no rows): where to go when the rows shrink under the page shown. */
export function lastOffset(limit, total) {
  return total <= 0 ? 0 : Math.floor((total - 1) / limit) * limit;
}

/** The first page of a cursor-paged list: no cursor, no page behind it. */
export const FIRST_PAGE = Object.freeze({ cursors: Object.freeze([null]) });

/** The cursor (`after`) of the page shown. */
export function cursorOf(pages) {
  return pages.cursors[pages.cursors.length - 1];
}

/** The page after the one shown, which starts after `next` (the reply's `next`); no change when there is none. */
export function nextPage(pages, next) {
  return next === null || next === undefined ? pages : { cursors: [...pages.cursors, next] };
}

/** The page before the one shown; the first page stays. */
export function previousPage(pages) {
  return pages.cursors.length > 1 ? { cursors: pages.cursors.slice(0, -1) } : pages;
}

/** The number (1-based) of the page shown. */
export function pageNumber(pages) {
  return pages.cursors.length;
}
