// The console's server credential (a JWT with "server": true), typed in by the operator in token mode. Kept in this
// tab's sessionStorage only: never localStorage, never a cookie, never the address. Gone when the tab closes.

const KEY = 'replicache-quarkus.console-credential';

let inMemory = ''; // when the browser gives no sessionStorage: lives as long as the page

function sessionStore() {
  try {
    return globalThis.window?.sessionStorage ?? null;
  } catch {
    return null; // storage disabled
  }
}

/** The credential as typed, cleaned: surrounding blanks and a leading "Bearer " dropped. Empty when nothing is left. */
export function cleanCredential(typed) {
  return String(typed ?? '').trim().replace(/^bearer\s+/i, '').trim();
}

/**
 * What is wrong with a credential before the server sees it, or null: not a JWT's three parts, no "server": true claim,
 * or an expiry in the past. Only a hint for the operator: the server checks the signature and everything else.
 */
export function credentialProblem(token, nowMs = Date.now()) {
  const parts = token.split('.');
  if (parts.length !== 3 || parts.some((part) => !/^[A-Za-z0-9_-]+$/.test(part))) {
    return 'This is not a JWT: a server credential has three parts separated by dots.';
  }
  let claims;
  try {
    claims = JSON.parse(atob(parts[1].replace(/-/g, '+').replace(/_/g, '/')));
  } catch {
    return 'This token\'s claims cannot be read.';
  }
  if (claims?.server !== true) {
    return 'This token is not a server credential: it has no "server": true claim.';
  }
  if (typeof claims.exp === 'number' && claims.exp * 1000 <= nowMs) {
    return 'This credential has expired.';
  }
  return null;
}

/** The credential this tab holds, or '' (open mode, or not signed in yet). */
export function loadCredential(storage = sessionStore()) {
  try {
    return storage?.getItem(KEY) ?? inMemory;
  } catch {
    return inMemory;
  }
}

/** Keeps the credential for this tab. */
export function saveCredential(token, storage = sessionStore()) {
  try {
    if (storage) {
      storage.setItem(KEY, token);
      inMemory = '';
      return;
    }
  } catch {
    // full or refused: keep it in memory
  }
  inMemory = token;
}

/** Forgets the credential (signing out, or after the server refused it). */
export function clearCredential(storage = sessionStore()) {
  inMemory = '';
  try {
    storage?.removeItem(KEY);
  } catch {
    // nothing kept there
  }
}

/** The headers that carry a credential: none without one. */
export function credentialHeaders(token) {
  return token ? { Authorization: `Bearer ${token}` } : {};
}
