// Syncs a Replicache instance over its space's room socket (/api/replicache/websocket/{spaceID}).
//
// The cookie chain. Replicache 15 has no public getter for its cookie, but it hands its real cookie (the one of the
// snapshot its main head stands on) to the puller. So every pull Replicache makes is a hello: the puller sends
// {messageType: "hello", cookie} and answers the pull at once with "nothing new" (the same cookie, no patch), which
// Replicache takes as a no-op. The hello's reply, a poke from exactly that cookie, then goes to rep.poke() like every
// later poke, one after the other in the order they came. While a hello waits for its reply, pokes are dropped: they
// were computed from the server's old idea of our cookie, and the reply covers them. Nothing else moves Replicache's
// cookie meanwhile (pokes are the only data that reach it), so the reply always fits, and so does each poke after it.
// A poke that does not fit (rep.poke() throws: another tab of this client group moved the snapshot, say) makes the
// client say hello again, with its real cookie.
//
// Pushes go over the socket whenever it is open; after each hello's reply the client pushes at once, so whatever was
// refused while disconnected goes out. A closed socket is reconnected with jittered exponential backoff; the backoff
// starts over once a hello's reply has been applied.
//
// Mutation recovery: Replicache also calls the puller (and pusher) for other client groups of this space whose changes
// never reached the server (an older version of the app, say). The socket belongs to this client's group, so those
// pulls go over HTTP to /api/replicache/pull; their pushes go over the socket like any other.
//
// No browser or React dependency: the WebSocket constructor, fetch and the timers are passed in (or taken from the
// global scope), so Node tests drive the very code the app ships.

const INITIAL_DELAY_MS = 100;
const MAX_DELAY_MS = 10_000;
/** A hello without a reply for this long means a dead connection: the socket is dropped and opened again. */
const HELLO_TIMEOUT_MS = 10_000;
/** Close codes a client may use are 1000 and 3000-4999; this one says "you did not answer my hello". */
const NO_HELLO_REPLY = 4000;
const ROOM_MOVED = 4010;
/** The server's verdicts on a socket's token: expired or invalid (get a new one), or no right to the room. */
const NOT_AUTHENTICATED = 4401;
const FORBIDDEN = 4403;
/** The room's space does not exist: it was deleted (or spaces are not made on the fly). */
const NOT_FOUND = 4404;
/** Why the client is reconnecting, by the socket's close code. */
const REASONS = { 1001: 'server', 1013: 'full', 4008: 'too-many-messages', 4009: 'message-too-big', 4010: 'moved',
  4401: 'unauthorized', 4403: 'forbidden', 4404: 'not-found' };
const CONNECTING = 0; // WebSocket.CONNECTING
const OPEN = 1; // WebSocket.OPEN

/** The delay before reconnect attempt `attempt` (0-based): doubling from 100 ms to 10 s, each ±50% at random. */
export function backoffDelay(attempt, random = Math.random) {
  const base = Math.min(MAX_DELAY_MS, INITIAL_DELAY_MS * 2 ** attempt);
  return Math.round(base * (0.5 + random()));
}

/** The WebSocket URL of a space's room, on the page's own origin (so it works behind a proxy or the Fly router). */
export function roomURL(origin, spaceID) {
  return `${origin.replace(/^http/, 'ws').replace(/\/$/, '')}/api/replicache/websocket/${encodeURIComponent(spaceID)}`;
}

/** The HTTP pull URL of the space whose room socket URL this is. */
export function pullURLOf(socketURL) {
  const match = socketURL.match(/^ws(s?):\/\/([^/]+)(.*)\/websocket\/([^/?#]+)$/);
  if (!match) {
    throw new Error(`not a room socket URL: ${socketURL}`);
  }
  const [, secure, host, prefix, spaceID] = match;
  return `http${secure}://${host}${prefix}/pull?spaceID=${spaceID}`;
}

/** Why a client is in this status, when nothing more precise is known. */
function defaultReason(status) {
  if (status === 'connected' || status === 'connecting') {
    return null;
  }
  return status === 'reconnecting' ? 'network' : status;
}

/** Deep equality for JSON values (cookies). */
function sameJSON(a, b) {
  return JSON.stringify(a ?? null) === JSON.stringify(b ?? null);
}

/** Orders cookies as Replicache does: null first; objects by their `order`; strings as strings; numbers by value. */
export function compareCookies(a, b) {
  const key = (cookie) => (cookie !== null && typeof cookie === 'object' ? cookie.order : cookie);
  const [x, y] = [key(a ?? null), key(b ?? null)];
  if (x === y) {
    return 0;
  }
  if (x === null || y === null) {
    return x === null ? -1 : 1;
  }
  if (typeof x === 'string' || typeof y === 'string') {
    return String(x) < String(y) ? -1 : 1;
  }
  return x - y;
}

const statusOf = (code, errorMessage = '') => ({ httpRequestInfo: { httpStatusCode: code, errorMessage } });

export class RoomClient {
  /**
   * @param {object} options
   * @param {string} options.url the room's WebSocket URL (see roomURL)
   * @param {function} options.WebSocket a WebSocket constructor (the browser's, or the `ws` package's)
   * @param {function} [options.onStatus] called with 'connecting' | 'connected' | 'reconnecting' | 'offline' | 'closed'
   *   | 'unauthorized' | 'forbidden' | 'not-found'
   * @param {function} [options.log] debug logging, (message, ...details)
   * @param {string} [options.pullURL] where other client groups pull (mutation recovery); derived from `url`
   * @param {string} [options.auth] the token sent in each hello (and as Authorization over HTTP)
   * @param {function} [options.getAuth] async () => a new token, called when the server says the token expired or
   *   is not valid (close 4401, HTTP 401); without it, such a client stays 'unauthorized'
   * @param {number} [options.presenceInterval] at most one presence frame per this many milliseconds (default 50); the
   *   latest state wins
   * @param {function} [options.fetch] [options.setTimeout] [options.clearTimeout] [options.random] [options.now] for tests
   */
  // The timer defaults are wrappers: a browser's setTimeout called as a method of this object throws "Illegal
  // invocation" (it must be called on window).
  constructor({ url, WebSocket, onStatus = () => {}, log = () => {}, pullURL = pullURLOf(url), auth = '',
    getAuth = null, fetch = (...args) => globalThis.fetch(...args), setTimeout = (fn, ms) => globalThis.setTimeout(fn, ms),
    clearTimeout = (id) => globalThis.clearTimeout(id), random = Math.random, now = () => Date.now(),
    presenceInterval = 50 }) {
    this.url = url;
    this.pullURL = pullURL;
    this.auth = auth;
    this.getAuth = getAuth;
    this.WebSocket = WebSocket;
    this.onStatus = onStatus;
    this.log = log;
    this.fetch = fetch;
    this.setTimeout = setTimeout;
    this.clearTimeout = clearTimeout;
    this.random = random;
    this.now = now;
    this.presenceInterval = presenceInterval;
    this.rep = null;
    /** The current socket (null while none is open or opening); events of older sockets are ignored. */
    this.socket = null;
    /** The hello waiting for its reply: {cookie, timer}. */
    this.hello = null;
    /** Whether the current socket's last hello was answered: its pokes are then applied. */
    this.registered = false;
    /** Bumped by every hello and every new socket: pokes queued under an older epoch are dropped. */
    this.epoch = 0;
    /** rep.poke() calls, one after the other, in the order the pokes came. */
    this.pokes = Promise.resolve();
    /** The parts of a large poke received so far (the socket's frames come in order). */
    this.partial = null;
    /** The cookie of the last poke applied. */
    this.cookie = null;
    this.attempt = 0;
    this.reconnectTimer = null;
    this.stopped = false;
    this.offline = false;
    /** The server said it no longer knows this client group: every pull reports it until Replicache starts anew. */
    this.clientStateNotFound = false;
    this.status = 'connecting';
    /** Why the status is what it is, when it is not 'connected': see subscribeStatus. */
    this.reason = null;
    this.statusSubscribers = new Set();
    /** Pulls waiting for the socket being opened (Replicache pulls as soon as it starts). */
    this.openWaiters = [];
    /** This client's presence state (null: none), sent after each hello and whenever it changes. */
    this.presenceState = null;
    this.presenceDirty = false;
    this.presenceSentAt = -Infinity;
    this.presenceTimer = null;
    /** Everyone else in the room: clientID to {clientID, userID, state}; and the same as a stable, frozen array. */
    this.others = new Map();
    this.othersList = Object.freeze([]);
    this.presenceSubscribers = new Set();
    this.broadcastHandlers = new Set();
    /** Who is in the room and what each shows the others; see the README of this client. */
    this.presence = Object.freeze({
      set: (state) => this.#setPresence(state ?? null),
      update: (partial) => this.#setPresence({ ...(this.presenceState ?? {}), ...partial }),
      subscribe: (subscriber) => {
        this.presenceSubscribers.add(subscriber);
        subscriber(this.othersList);
        return () => this.presenceSubscribers.delete(subscriber);
      },
      others: () => this.othersList,
    });
  }

  /**
   * Sends an event to the others in the room (any JSON; nothing keeps it). Returns false when it could not be sent: the
   * socket is not connected, and the event is dropped.
   */
  broadcast(event) {
    if (!this.registered || !this.#sendable()) {
      return false;
    }
    this.socket.send(JSON.stringify({ messageType: 'broadcast', event }));
    return true;
  }

  /** Calls the handler with each event another client of the room broadcasts: {clientID, userID, event}. */
  onBroadcast(handler) {
    this.broadcastHandlers.add(handler);
    return () => this.broadcastHandlers.delete(handler);
  }

  /** The pusher and puller to give Replicache's constructor, and no polling: the server pokes. */
  get options() {
    return {
      pusher: (body) => this.#push(body),
      puller: (body) => this.#pull(body),
      pullInterval: null,
    };
  }

  /** Starts syncing the Replicache instance (created with this.options). */
  start(rep) {
    this.rep = rep;
    this.#connect();
  }

  /**
   * The browser went offline (or online again). Offline, the socket is dropped at once: an offline browser may keep a
   * dead socket open for minutes. Online again, the client connects at once, without waiting for its backoff.
   */
  setOffline(offline) {
    if (this.stopped || this.offline === offline) {
      return;
    }
    this.offline = offline;
    if (offline) {
      this.#drop(1000, 'offline');
      this.#status('offline');
    } else {
      this.attempt = 0;
      this.#status('reconnecting');
      this.#connect();
    }
  }

  /** Stops syncing for good (the page is leaving the list). */
  stop() {
    this.stopped = true;
    this.#drop(1000, 'bye');
    this.#status('closed');
  }

  /**
   * Calls the subscriber at once and on every change with {status, reason}: `reason` says why the client is not
   * connected ('network', 'moved', 'full', 'server', 'unauthorized', 'forbidden', 'not-found', 'too-many-messages',
   * 'message-too-big', 'offline', 'closed'; null when connected or first connecting). Returns the unsubscribe function.
   */
  subscribeStatus(subscriber) {
    this.statusSubscribers.add(subscriber);
    subscriber({ status: this.status, reason: this.reason });
    return () => this.statusSubscribers.delete(subscriber);
  }

  #status(status, reason = defaultReason(status)) {
    if (this.status !== status || this.reason !== reason) {
      const changed = this.status !== status;
      this.status = status;
      this.reason = reason;
      for (const subscriber of this.statusSubscribers) {
        subscriber({ status, reason });
      }
      if (!changed) {
        return;
      }
      if (!['connecting', 'connected', 'reconnecting'].includes(status)) {
        this.#replaceOthers([]); // not in the room any more: nobody is known to be there
      }
      this.onStatus(status);
    }
  }

  #setPresence(state) {
    this.presenceState = state;
    this.presenceDirty = true;
    this.#sendPresence();
  }

  /** Sends the latest presence state, at most once per presenceInterval; only to a socket whose hello was answered. */
  #sendPresence() {
    if (!this.presenceDirty || !this.registered || !this.#sendable() || this.presenceTimer !== null) {
      return;
    }
    const wait = this.presenceSentAt + this.presenceInterval - this.now();
    if (wait > 0) {
      this.presenceTimer = this.setTimeout(() => {
        this.presenceTimer = null;
        this.#sendPresence();
      }, wait);
      return;
    }
    this.presenceDirty = false;
    this.presenceSentAt = this.now();
    this.socket.send(JSON.stringify({ messageType: 'presence', state: this.presenceState }));
  }

  /** The room's presence frame: everyone present (after a hello), or what changed. */
  #presenceFrame(frame) {
    const own = this.rep?.clientID;
    if (Array.isArray(frame.present)) {
      this.#replaceOthers(frame.present.filter((entry) => entry.clientID !== own));
      return;
    }
    let changed = false;
    for (const change of frame.changes ?? []) {
      if (change.clientID === own) {
        continue;
      }
      if (change.state === null || change.state === undefined) {
        changed = this.others.delete(change.clientID) || changed;
      } else {
        this.others.set(change.clientID, Object.freeze({ clientID: change.clientID, userID: change.userID,
          state: change.state }));
        changed = true;
      }
    }
    if (changed) {
      this.#publishOthers();
    }
  }

  #replaceOthers(entries) {
    if (entries.length === 0 && this.others.size === 0) {
      return;
    }
    this.others = new Map(entries.map((entry) => [entry.clientID,
      Object.freeze({ clientID: entry.clientID, userID: entry.userID, state: entry.state })]));
    this.#publishOthers();
  }

  #publishOthers() {
    this.othersList = Object.freeze([...this.others.values()]);
    for (const subscriber of this.presenceSubscribers) {
      try {
        subscriber(this.othersList);
      } catch (error) {
        this.log('a presence subscriber failed', error);
      }
    }
  }

  #connect() {
    this.clearTimeout(this.reconnectTimer);
    this.reconnectTimer = null;
    if (this.stopped || this.offline || this.socket) {
      return;
    }
    let socket;
    try {
      socket = new this.WebSocket(this.url);
    } catch (error) {
      this.log('could not open the socket', error);
      this.#lost(1006);
      return;
    }
    this.socket = socket;
    this.epoch++;
    socket.onopen = () => {
      if (this.socket !== socket) {
        return;
      }
      if (this.#settleWaiters()) {
        this.log('socket open; a pull was waiting for it and says hello');
      } else {
        this.log('socket open; pulling to say hello');
        this.#sayHello();
      }
    };
    socket.onmessage = (event) => {
      if (this.socket === socket) {
        this.#receive(typeof event.data === 'string' ? event.data : String(event.data));
      }
    };
    socket.onclose = (event) => {
      if (this.socket === socket) {
        this.log('socket closed', event.code, event.reason);
        this.partial = null; // a large poke cut short by the close is never applied
        this.#lost(event.code);
      }
    };
    socket.onerror = () => {}; // a close event follows
  }

  /** Forgets the current socket (its later events are ignored) and closes it. */
  #drop(code, reason) {
    this.clearTimeout(this.reconnectTimer);
    this.reconnectTimer = null;
    const socket = this.socket;
    this.#forgetSocket();
    if (socket) {
      try {
        socket.close(code, reason);
      } catch (error) {
        this.log('closing the socket failed', error);
      }
    }
  }

  /** Wakes the pulls waiting for the socket to open (or to fail); true when there were any. */
  #settleWaiters() {
    const waiters = this.openWaiters;
    this.openWaiters = [];
    waiters.forEach((wake) => wake());
    return waiters.length > 0;
  }

  #forgetSocket() {
    this.#settleWaiters();
    this.socket = null;
    this.registered = false;
    this.epoch++;
    if (this.presenceTimer !== null) {
      this.clearTimeout(this.presenceTimer);
      this.presenceTimer = null;
    }
    if (this.hello) {
      this.clearTimeout(this.hello.timer);
      this.hello = null;
    }
  }

  /**
   * The socket is gone: connect again after the backoff (at once when the room moved to another machine, or with a new
   * token when the server refused the old one). A room the token gives no right to is not retried, nor is one that
   * does not exist (its space was deleted).
   */
  #lost(code) {
    this.#forgetSocket();
    if (this.stopped || this.offline) {
      return;
    }
    if (code === FORBIDDEN) {
      this.log('the token gives no access to this room');
      this.#status('forbidden');
      return;
    }
    if (code === NOT_FOUND) {
      this.log('the room does not exist (its space was deleted)');
      this.#status('not-found');
      return;
    }
    if (code === NOT_AUTHENTICATED) {
      this.#reauthenticate();
      return;
    }
    this.#status('reconnecting', REASONS[code] ?? 'network');
    const delay = code === ROOM_MOVED ? 0 : backoffDelay(this.attempt++, this.random);
    this.reconnectTimer = this.setTimeout(() => this.#connect(), delay);
  }

  /** Gets a new token (getAuth), then connects with it after the backoff; without one, waits as 'unauthorized'. */
  async #reauthenticate() {
    let token = null;
    try {
      token = this.getAuth ? await this.getAuth() : null;
    } catch (error) {
      this.log('getAuth failed', error);
    }
    if (this.stopped || this.offline) {
      return;
    }
    if (!token) {
      this.#status('unauthorized');
      return;
    }
    this.auth = token;
    this.#status('reconnecting', 'unauthorized');
    this.reconnectTimer = this.setTimeout(() => this.#connect(), backoffDelay(this.attempt++, this.random));
  }

  /** Asks Replicache to pull; its puller sends the hello with the real cookie. */
  #sayHello() {
    this.registered = false;
    this.partial = null;
    this.epoch++;
    this.rep.pull({ now: true }).catch((error) => this.log('pull to say hello failed', error));
  }

  #receive(text) {
    let frame;
    try {
      frame = JSON.parse(text);
    } catch {
      this.log('ignored a frame that is not JSON', text);
      return;
    }
    if (frame?.data === 'hello') {
      return; // the server's greeting
    }
    switch (frame?.message) {
      case 'poke':
        this.#part(frame);
        break;
      case 'error':
        this.log('the room answered with an error', frame.error, frame.detail ?? '');
        if (frame.error === 'ClientStateNotFound') {
          // The server no longer knows this client group (collected after a long idle time): Replicache must hear it
          // from a pull, and then starts a new group (its onClientStateNotFound).
          this.clientStateNotFound = true;
          this.rep.pull({ now: true }).catch((error) => this.log('pull to report ClientStateNotFound failed', error));
        }
        break;
      case 'presence':
        this.#presenceFrame(frame);
        break;
      case 'broadcast':
        for (const handler of this.broadcastHandlers) {
          try {
            handler({ clientID: frame.clientID, userID: frame.userID, event: frame.event });
          } catch (error) {
            this.log('a broadcast handler failed', error);
          }
        }
        break;
      default:
        this.log('ignored an unknown frame', frame);
    }
  }

  /**
   * A large poke (a hello's reply with a whole state) comes in parts: each but the last says `more`, and all carry the
   * same base and cookie. The parts' patches are joined and applied as one poke, never half a state.
   */
  #part(frame) {
    const partial = this.partial;
    const same = partial && sameJSON(partial.baseCookie, frame.baseCookie) && sameJSON(partial.cookie, frame.cookie);
    const patch = same ? partial.patch.concat(frame.patch ?? []) : frame.patch ?? [];
    if (frame.more) {
      this.partial = { baseCookie: frame.baseCookie, cookie: frame.cookie, patch };
      return;
    }
    this.partial = null;
    this.#poke({ ...frame, patch });
  }

  #poke(frame) {
    if (this.hello) {
      if (!sameJSON(frame.baseCookie, this.hello.cookie)) {
        return; // computed before the server saw our hello, from its old base: the hello's reply covers it
      }
      this.clearTimeout(this.hello.timer);
      this.hello = null;
      this.registered = true;
      this.presenceDirty = this.presenceState !== null; // the room learns it again on every hello
      this.#sendPresence();
      this.#enqueue(frame, true);
    } else if (this.registered) {
      this.#enqueue(frame, false);
    }
  }

  #enqueue(frame, reply) {
    const epoch = this.epoch;
    const poke = {
      baseCookie: frame.baseCookie ?? null,
      pullResponse: { cookie: frame.cookie, lastMutationIDChanges: frame.lastMutationIDChanges ?? {}, patch: frame.patch ?? [] },
    };
    this.pokes = this.pokes.then(() => this.#apply(poke, epoch, reply));
  }

  async #apply(poke, epoch, reply) {
    if (epoch !== this.epoch || this.rep.closed) {
      return; // a newer hello or socket made this one stale
    }
    try {
      await this.rep.poke(poke);
      this.cookie = poke.pullResponse.cookie;
    } catch (error) {
      if (epoch !== this.epoch || this.rep.closed) {
        return;
      }
      if (!reply && compareCookies(poke.pullResponse.cookie, this.cookie) <= 0) {
        // Old news: the server sent this poke from its old base just as it got a hello whose cookie was that base, and
        // an earlier poke brought the same. Should the server's base now be behind us, its next poke will say so.
        this.log('ignored a poke that brings nothing new', poke.baseCookie, poke.pullResponse.cookie);
        return;
      }
      // The server's base for this socket is not our cookie: say hello again with the real one.
      this.log('a poke did not apply; saying hello again', error?.message);
      this.#sayHello();
      return;
    }
    if (reply && epoch === this.epoch) {
      this.attempt = 0;
      this.#status('connected');
      // Pushes refused while disconnected wait for Replicache's backoff: send them now.
      this.rep.push({ now: true }).catch((error) => this.log('push after hello failed', error));
    }
  }

  /** Whether the socket can take a frame now (a closing socket may not have said so yet; ws drops such frames). */
  #sendable() {
    return this.socket !== null && this.socket.readyState === OPEN;
  }

  async #push(body) {
    if (!this.#sendable()) {
      // Replicache keeps the mutations and pushes them again: after the next hello at the latest.
      return statusOf(503, 'the room socket is not connected');
    }
    this.socket.send(JSON.stringify({ ...body, messageType: 'push' }));
    return statusOf(200);
  }

  async #pull(body) {
    if (body.pullVersion !== 1 || body.clientGroupID !== await this.rep.clientGroupID) {
      return this.#pullOverHTTP(body); // mutation recovery of another client group
    }
    if (this.clientStateNotFound) {
      return { response: { error: 'ClientStateNotFound' }, ...statusOf(200) };
    }
    if (this.socket?.readyState === CONNECTING) {
      // Replicache pulls as soon as it opens, usually before the socket is open: this pull waits and says hello.
      await new Promise((resolve) => this.openWaiters.push(resolve));
    }
    if (!this.#sendable()) {
      return statusOf(503, 'the room socket is not connected');
    }
    const cookie = body.cookie ?? null;
    if (!this.hello || !sameJSON(this.hello.cookie, cookie)) {
      this.#sendHello(body.clientGroupID, cookie);
    }
    // Nothing new for now: the same cookie and no patch, which Replicache takes as a no-op. The data comes with the
    // hello's reply, a poke from exactly this cookie.
    return { response: { cookie, lastMutationIDChanges: {}, patch: [] }, ...statusOf(200) };
  }

  #sendHello(clientGroupID, cookie) {
    if (this.hello) {
      this.clearTimeout(this.hello.timer);
    }
    this.registered = false;
    this.epoch++;
    const hello = { cookie, timer: null };
    hello.timer = this.setTimeout(() => {
      if (this.hello === hello) {
        this.log('no reply to the hello; reconnecting');
        this.#drop(NO_HELLO_REPLY, 'no reply to hello');
        this.#lost(NO_HELLO_REPLY);
      }
    }, HELLO_TIMEOUT_MS);
    this.hello = hello;
    this.log('hello', { cookie });
    const frame = { messageType: 'hello', clientID: this.rep.clientID, clientGroupID, cookie };
    if (this.auth) {
      frame.auth = this.auth;
    }
    this.socket.send(JSON.stringify(frame));
  }

  async #pullOverHTTP(body) {
    try {
      const response = await this.fetch(this.pullURL, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', ...(this.auth ? { Authorization: this.auth } : {}) },
        body: JSON.stringify(body),
      });
      if (response.status === 401 && this.getAuth) {
        this.auth = (await this.getAuth()) || this.auth; // Replicache retries the pull, with the new token
      }
      if (response.status !== 200) {
        return statusOf(response.status, await response.text());
      }
      return { response: await response.json(), ...statusOf(200) };
    } catch (error) {
      return statusOf(0, `pull failed: ${error?.message ?? error}`);
    }
  }
}
