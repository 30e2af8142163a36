// Where the todo app gets its token when the server runs in token mode (REPLICACHE_AUTH_MODE=token).
//
// - Your site's login hands the page a token: open the app as /?token=<jwt> (or /list/<id>?token=<jwt>). The token is
//   kept in sessionStorage (this tab only) and always taken out of the address bar. A link is something anyone can
//   send: when the tab already holds a token of another identity, the link's token replaces it only if the person
//   confirms (a fresh token of the same identity, as the site hands out at the next sign-in, is taken as it is).
// - Or build the app with VITE_TOKEN_URL=<your endpoint>: the app then fetches {"token": "<jwt>"} from it (with the
//   browser's cookies) at start and whenever the server says the token expired.
// In open mode (dev mode's default) no token is needed and none is sent.

const KEY = 'replicache-token';
const TOKEN_URL = import.meta.env?.VITE_TOKEN_URL;

/** What the person is asked when a link would switch the tab to another identity. No text of the link's own. */
export const SWITCH_QUESTION = 'This link carries a different identity from the one this tab is signed in with.\n\n'
  + 'OK: switch to the identity of the link.\nCancel: keep the current one.';

let inMemory = ''; // the token when the browser gives no sessionStorage: it lives as long as the page

function storage() {
  try {
    return window.sessionStorage ?? null;
  } catch {
    return null; // storage disabled
  }
}

function store(token) {
  const sessionStorage = storage();
  if (sessionStorage) {
    try {
      sessionStorage.setItem(KEY, token);
      return;
    } catch {
      // full or refused: keep it in memory
    }
  }
  inMemory = token;
}

/**
 * Who a token says it is (its `iss` and `sub`), read without checking its signature: only to tell whether two tokens
 * name the same person. The server checks every token. Null when this one cannot be read.
 */
export function identityOf(token) {
  try {
    const payload = token.split('.')[1].replace(/-/g, '+').replace(/_/g, '/');
    const claims = JSON.parse(atob(payload));
    return typeof claims?.sub === 'string' && claims.sub !== '' ? JSON.stringify([claims.iss ?? null, claims.sub]) : null;
  } catch {
    return null;
  }
}

/**
 * Takes a token from the page's address (?token=...) out of the address bar, always, and into storage when the tab
 * has none, or has one of the same identity, or the person confirms switching to the link's identity.
 * @returns {'none' | 'adopted' | 'kept'} whether the address carried a token, and whether it is now the tab's
 */
export function adoptTokenFromURL() {
  const url = new URL(window.location.href);
  if (!url.searchParams.has('token')) {
    return 'none';
  }
  const token = url.searchParams.get('token');
  url.searchParams.delete('token');
  window.history.replaceState(window.history.state, '', url.pathname + url.search + url.hash);
  if (!token) {
    return 'none';
  }
  const current = currentToken();
  const sameIdentity = current !== '' && identityOf(current) !== null && identityOf(current) === identityOf(token);
  if (current === '' || current === token || sameIdentity || window.confirm(SWITCH_QUESTION)) {
    store(token);
    return 'adopted';
  }
  return 'kept';
}
/** The token to send now: empty when there is none (open mode). */
export function currentToken() {
  try {
    return storage()?.getItem(KEY) ?? inMemory;
  } catch {
    return inMemory;
  }
}

/** A fresh token from VITE_TOKEN_URL, or null when there is no such endpoint or it gave none. */
export async function refreshToken() {
  if (!TOKEN_URL) {
    return null;
  }
  const response = await fetch(TOKEN_URL, { credentials: 'include' });
  if (!response.ok) {
    return null;
  }
  const { token } = await response.json();
  if (token) {
    store(token);
  }
  return token || null;
}

/** Headers for the app's own HTTP calls. */
export function authHeaders() {
  const token = currentToken();
  return token ? { Authorization: `Bearer ${token}` } : {};
}
