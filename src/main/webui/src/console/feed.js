// The live change feed of a space view: where it starts, and how new pages of the change feed join what is shown.

/** How many versions back the feed starts when a space view opens. */
export const VERSIONS_BACK = 25;

/** How many changes the feed keeps on screen. */
export const FEED_SIZE = 200;

/** The `since` the feed starts from for a space at `version`: a few versions back, not its whole history. */
export function startOf(version) {
  return Math.max(0, version - VERSIONS_BACK);
}

/**
 * The feed after a page of changes: the page's changes, newest first (by version, then key, as the feed orders them
 * reversed), above those shown, without a change shown twice (same key and version), at most `size` in all.
 * Each change gets the time it was seen.
 */
export function addChanges(shown, changes, seenAt, size = FEED_SIZE) {
  const known = new Set(shown.map(changeId));
  const fresh = changes
    .filter((change) => !known.has(changeId(change)))
    .map((change) => ({ ...change, seenAt }))
    .reverse();
  return [...fresh, ...shown].slice(0, size);
}

/** What names a change in the feed: its key and version. */
export function changeId(change) {
  return `${change.version}\u0000${change.key}`;
}

/**
 * What the feed does after a change feed's error status: 409 (since ahead) and 410 (changes purged) start again from
 * the space's current version; 404 means the space is gone; the rest are retried.
 */
export function afterFeedError(status) {
  if (status === 409 || status === 410) {
    return 'restart';
  }
  if (status === 404) {
    return 'gone';
  }
  return 'retry';
}
