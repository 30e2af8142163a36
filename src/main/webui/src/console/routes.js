// The console's pages: /console (machines, rooms and charts), /console/webhooks, and /console/spaces/{spaceID}.

const SPACE_ID = /^[A-Za-z0-9_-]{1,64}$/;

/** The page a path shows: {page: 'overview' | 'webhooks' | 'space' | 'missing', spaceID?}. */
export function consoleRoute(path) {
  const parts = path.replace(/^\/console\/?/, '').split('/').filter(Boolean);
  if (parts.length === 0) {
    return { page: 'overview' };
  }
  if (parts.length === 1 && parts[0] === 'webhooks') {
    return { page: 'webhooks' };
  }
  if (parts.length === 2 && parts[0] === 'spaces' && SPACE_ID.test(parts[1])) {
    return { page: 'space', spaceID: parts[1] };
  }
  return { page: 'missing' };
}

/** The path of a space's view. */
export function spaceViewPath(spaceID) {
  return `/console/spaces/${encodeURIComponent(spaceID)}`;
}
