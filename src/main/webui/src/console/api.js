// Calls to the server API with the console's credential. Every failure is an ApiError; a 401 or 403 is also reported
// to onAuthError, which sends the operator back to the login.
import { credentialHeaders } from './credential.js';

/** A failed call: the HTTP status (0 when the server could not be reached) and the error reply's code, if any. */
export class ApiError extends Error {
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }

  get isAuth() {
    return this.status === 401 || this.status === 403;
  }
}

/** A query string of the parameters that have a value ('' and null and undefined left out), with its '?'. */
export function queryString(params = {}) {
  const search = new URLSearchParams();
  for (const [name, value] of Object.entries(params)) {
    if (value !== undefined && value !== null && value !== '') {
      search.set(name, String(value));
    }
  }
  const text = search.toString();
  return text ? `?${text}` : '';
}

/** The path of a space's resource, its id percent-encoded. */
export function spacePath(spaceID, rest = '') {
  return `/api/spaces/${encodeURIComponent(spaceID)}${rest}`;
}

/** What the operator is told when the server refuses the credential. */
export function authMessage(status, hadCredential) {
  if (status === 403) {
    return 'The server refused this credential: the console needs a server credential (a token with "server": true).';
  }
  return hadCredential
    ? 'The server did not accept this credential: it may have expired, or be signed with another key. Sign in again.'
    : 'This server runs in token mode: sign in with a server credential.';
}

/**
 * An API client: get, post and del of a path and query parameters, resolving to the parsed JSON reply (null for 204).
 * credential() gives the token to send; onAuthError(status) hears of every 401 and 403.
 */
export function createApi({ credential, onAuthError = () => {}, fetch = globalThis.fetch }) {
  async function call(method, path, params, signal) {
    let response;
    try {
      response = await fetch(path + queryString(params), {
        method,
        signal,
        headers: { Accept: 'application/json', ...credentialHeaders(credential()) },
        cache: 'no-store',
      });
    } catch (error) {
      if (error?.name === 'AbortError') {
        throw error;
      }
      throw new ApiError(0, null, 'The server could not be reached.');
    }
    if (response.status === 204) {
      return null;
    }
    const body = await response.json().catch(() => null);
    if (!response.ok) {
      if (response.status === 401 || response.status === 403) {
        onAuthError(response.status);
      }
      const code = typeof body?.error === 'string' ? body.error : null;
      const detail = typeof body?.message === 'string' ? `: ${body.message}` : '';
      throw new ApiError(response.status, code, `The server answered ${response.status}${code ? ` ${code}` : ''}${detail}`);
    }
    return body;
  }

  return {
    get: (path, params, signal) => call('GET', path, params, signal),
    post: (path, params, signal) => call('POST', path, params, signal),
    del: (path, params, signal) => call('DELETE', path, params, signal),
    headers: () => credentialHeaders(credential()),
    onAuthError,
  };
}
