// Where the todo app gets its token when the server runs in token mode (REPLICACHE_AUTH_MODE=token).
//
// - Your site's login hands the page a token: open the app as /?token=<jwt> (or /list/<id>?token=<jwt>). The token is
//   kept in sessionStorage (this tab only) and taken out of the address bar.
// - Or build the app with VITE_TOKEN_URL=<your endpoint>: the app then fetches {"token": "<jwt>"} from it (with the
//   browser's cookies) at start and whenever the server says the token expired.
// In open mode (dev mode's default) no token is needed and none is sent.

const KEY = 'replicache-token';
const TOKEN_URL = import.meta.env?.VITE_TOKEN_URL;

function storage() {
  try {
    return window.sessionStorage;
  } catch {
    return null; // storage disabled: the token lives only as long as the page
  }
}

/** Takes a token from the page's address (?token=...) into storage, and the address back to what it was. */
export function adoptTokenFromURL() {
  const url = new URL(window.location.href);
  const token = url.searchParams.get('token');
  if (token) {
    storage()?.setItem(KEY, token);
    url.searchParams.delete('token');
    window.history.replaceState(window.history.state, '', url.pathname + url.search + url.hash);
  }
}

/** The token to send now: empty when there is none (open mode). */
export function currentToken() {
  return storage()?.getItem(KEY) ?? '';
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
    storage()?.setItem(KEY, token);
  }
  return token || null;
}

/** Headers for the app's own HTTP calls. */
export function authHeaders() {
  const token = currentToken();
  return token ? { Authorization: `Bearer ${token}` } : {};
}
