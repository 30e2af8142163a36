// Syncs a Replicache instance over its space's room socket (/api/replicache/websocket/{spaceID}).
//
// Replicache 15 has no public getter for its cookie, but it hands the real cookie to its puller. So the client says
// hello from inside the puller, for every pull: it sends {messageType: "hello", cookie} and answers the pull with the
// hello's reply (a poke from that cookie). From then on the server pokes the socket after every change, from the cookie it last
// sent; each poke goes to rep.poke() in order. A poke whose base is not the client's cookie makes rep.poke() throw:
// the client then says hello again, the same way. Pushes go over the socket. When the socket closes, the client
// reconnects with jittered exponential backoff.
//
// No browser or React dependency: the WebSocket constructor and the timers are passed in, so Node tests drive the
// very code the app ships.

const INITIAL_DELAY_MS = 100;
const MAX_DELAY_MS = 10_000;
const HELLO_TIMEOUT_MS = 10_000;
/** A poke right behind a hello's reply can beat Replicache to applying that reply; it is tried again this often. */
const POKE_ATTEMPTS = 4;

/** The delay before reconnect attempt `attempt` (0-based): doubling from 100 ms to 10 s, each ±50% at random. */
export function backoffDelay(attempt, random = Math.random) {
  const base = Math.min(MAX_DELAY_MS, INITIAL_DELAY_MS * 2 ** attempt);
  return Math.round(base * (0.5 + random()));
}

/** The WebSocket URL of a space's room, on the page's own origin (so it works behind the Fly router). */
export function roomURL(origin, spaceID) {
  return `${origin.replace(/^http/, 'ws').replace(/\/$/, '')}/api/replicache/websocket/${encodeURIComponent(spaceID)}`;
}

/** Deep equality for JSON values (cookies). */
function sameJSON(a, b) {
  return JSON.stringify(a ?? null) === JSON.stringify(b ?? null);
}

export class RoomClient {
  /**
   * @param {object} options
   * @param {string} options.url the room's WebSocket URL (see roomURL)
   * @param {function} options.WebSocket a WebSocket constructor (the browser's, or the `ws` package's)
   * @param {function} [options.onStatus] called with 'connecting' | 'connected' | 'reconnecting' | 'offline' | 'closed'
   * @param {function} [options.setTimeout] [options.clearTimeout] [options.random] for tests
   */
  // The timer defaults are wrappers: a browser's setTimeout called as a method of this object throws "Illegal
  // invocation" (it must be called on window).
  constructor({ url, WebSocket, onStatus = () => {}, setTimeout = (fn, ms) => globalThis.setTimeout(fn, ms),
    clearTimeout = (id) => globalThis.clearTimeout(id), random = Math.random, log = () => {},
    delay = (ms) => new Promise((resolve) => globalThis.setTimeout(resolve, ms)) }) {
    this.url = url;
    this.WebSocket = WebSocket;
    this.onStatus = onStatus;
    this.setTimeout = setTimeout;
    this.clearTimeout = clearTimeout;
    this.random = random;
    this.log = log;
    this.delay = delay;
    this.rep = null;
    this.socket = null;
    this.open = false;
    this.hello = null; // {cookie, resolve, reject, timer} while a hello waits for its reply
    this.registered = false; // the server answered this socket's hello
    this.pokes = Promise.resolve(); // rep.poke() calls, one after the other
    this.resyncing = false; // a poke did not apply: pokes are ignored until a new hello is answered
    this.attempt = 0;
    this.reconnectTimer = null;
    this.stopped = false;
    this.offline = false;
    this.status = 'connecting';
  }

  /** The pusher and puller to give Replicache's constructor. */
  get options() {
    return {
      pusher: (body) => this.#push(body),
      puller: (body) => this.#pull(body),
      pullInterval: null, // the server pokes; no polling
    };
  }

  /** Starts syncing the Replicache instance (created with this.options). */
  start(rep) {
    this.rep = rep;
    this.#connect();
  }

  /** The browser says it is offline: drop the socket (an offline tab keeps dead sockets open) until online again. */
  setOffline(offline) {
    this.offline = offline;
    if (offline) {
      this.#status('offline');
      this.socket?.close(1000, 'offline');
    } else if (!this.open && !this.stopped) {
      this.clearTimeout(this.reconnectTimer);
      this.attempt = 0;
      this.#connect();
    }
  }

  stop() {
    this.stopped = true;
    this.clearTimeout(this.reconnectTimer);
    this.socket?.close(1000, 'bye');
    this.#status('closed');
  }

  #status(status) {
    if (this.status !== status) {
      this.status = status;
      this.onStatus(status);
    }
  }

  #connect() {
    if (this.stopped || this.offline) {
      return;
    }
    const socket = new this.WebSocket(this.url);
    this.socket = socket;
    socket.onopen = () => {
      if (this.socket !== socket) {
        return;
      }
      this.open = true;
      this.registered = false;
      this.log('connected; pulling to say hello');
      // The pull calls the puller with the client's real cookie, and the puller says hello with it.
      this.rep.pull({ now: true }).catch((error) => this.log('pull after connecting failed', error));
    };
    socket.onmessage = (event) => {
      if (this.socket === socket) {
        this.#receive(typeof event.data === 'string' ? event.data : String(event.data));
      }
    };
    socket.onclose = (event) => {
      if (this.socket !== socket) {
        return;
      }
      this.open = false;
      this.registered = false;
      this.#failWaiting(`socket closed (${event.code})`);
      if (this.stopped) {
        return;
      }
      if (this.offline) {
        this.#status('offline');
        return;
      }
      this.#status('reconnecting');
      const delay = event.code === 4010 ? 0 : backoffDelay(this.attempt++, this.random); // 4010: the room moved
      this.reconnectTimer = this.setTimeout(() => this.#connect(), delay);
    };
    socket.onerror = () => {}; // a close event follows
  }

  #receive(text) {
    let frame;
    try {
      frame = JSON.parse(text);
    } catch {
      this.log('ignored a frame that is not JSON', text);
      return;
    }
    if (frame.data === 'hello') {
      return; // the greeting
    }
    switch (frame.message) {
      case 'poke':
        this.#poke(frame);
        break;
      case 'error':
        this.#error(frame);
        break;
      default:
        this.log('ignored an unknown frame', frame);
    }
  }

  #poke(frame) {
    if (this.hello) {
      if (sameJSON(frame.baseCookie, this.hello.cookie)) {
        // The reply to our hello: it answers the pull that sent the hello.
        const { resolve, timer } = this.hello;
        this.hello = null;
        this.clearTimeout(timer);
        this.log('hello answered', { base: frame.baseCookie, cookie: frame.cookie, confirmed: frame.lastMutationIDChanges });
        this.registered = true;
        this.attempt = 0;
        this.#status('connected');
        resolve(ok(frame));
        // Pushes refused while disconnected wait for Replicache's backoff; send them now.
        this.rep.push({ now: true }).catch((error) => this.log('push after hello failed', error));
      }
      // Otherwise a poke computed before the server saw our hello, from the old base: the hello's reply covers it.
      return;
    }
    const poke = { baseCookie: frame.baseCookie, pullResponse: pullResponse(frame) };
    this.pokes = this.pokes.then(() => this.#apply(poke));
  }

  /**
   * Applies a poke. Replicache applies a pull's response (a hello's reply) after the puller returns, so a poke right
   * behind it may find the old cookie still in place: it is tried again shortly, and only then taken as a sign that
   * the server's base is not our cookie.
   */
  async #apply(poke) {
    for (let attempt = 1; ; attempt++) {
      if (this.resyncing || !this.registered) {
        return; // stale: the coming hello's reply brings everything since the real cookie
      }
      try {
        await this.rep.poke(poke);
        this.log('applied poke', { base: poke.baseCookie, cookie: poke.pullResponse.cookie,
          confirmed: poke.pullResponse.lastMutationIDChanges, patch: poke.pullResponse.patch.length });
        return;
      } catch (error) {
        if (attempt >= POKE_ATTEMPTS) {
          this.#resync(error);
          return;
        }
        await this.delay(25 * attempt);
      }
    }
  }

  /** The server's base for this socket is not our cookie: say hello again, once, with the real cookie. */
  #resync(error) {
    if (this.resyncing) {
      return;
    }
    this.log('a poke did not apply, saying hello again', error?.message);
    this.resyncing = true;
    this.registered = false;
    this.rep.pull({ now: true }).catch(() => {}).finally(() => {
      this.resyncing = false;
    });
  }

  #error(frame) {
    if (this.hello && frame.error === 'ClientStateNotFound') {
      const { resolve, timer } = this.hello;
      this.hello = null;
      this.clearTimeout(timer);
      resolve({ response: { error: 'ClientStateNotFound' }, httpRequestInfo: { httpStatusCode: 200, errorMessage: '' } });
      return;
    }
    this.log('the server answered with an error', frame);
  }

  /** Whether the socket can take a frame now (a socket closing under us may not have said so yet). */
  #sendable() {
    return this.open && this.socket?.readyState === 1; // WebSocket.OPEN
  }

  async #push(body) {
    if (!this.#sendable() || !this.registered) {
      // Replicache keeps the mutations and pushes again later, with backoff.
      return { httpRequestInfo: { httpStatusCode: 503, errorMessage: 'the room socket is not connected' } };
    }
    this.socket.send(JSON.stringify({ messageType: 'push', ...body }));
    return { httpRequestInfo: { httpStatusCode: 200, errorMessage: '' } };
  }

  /**
   * Every pull Replicache makes is answered with a hello, never a pull frame. While a hello waits for its reply, pokes
   * are dropped, so Replicache's cookie stays the one the hello carried and the reply applies. A pull frame has no
   * such guard: pokes arriving meanwhile move Replicache on, it discards the pull's late reply, yet the server takes
   * that reply's cookie as the socket's base, and a client can be left behind for good.
   */
  #pull(body) {
    this.log('puller called', { cookie: body.cookie, sendable: this.#sendable() });
    if (!this.#sendable()) {
      return Promise.resolve({ httpRequestInfo: { httpStatusCode: 503, errorMessage: 'the room socket is not connected' } });
    }
    this.registered = false;
    return new Promise((resolve) => {
      if (this.hello) {
        this.clearTimeout(this.hello.timer);
        this.hello.resolve({ httpRequestInfo: { httpStatusCode: 409, errorMessage: 'superseded by a newer hello' } });
      }
      this.hello = { cookie: body.cookie ?? null, resolve, timer: this.setTimeout(() => {
        this.hello = null;
        resolve({ httpRequestInfo: { httpStatusCode: 504, errorMessage: 'no reply from the room' } });
      }, HELLO_TIMEOUT_MS) };
      this.socket.send(JSON.stringify({ messageType: 'hello', clientID: this.rep.clientID,
        clientGroupID: body.clientGroupID, cookie: body.cookie ?? null }));
    });
  }

  #failWaiting(reason) {
    const failed = { httpRequestInfo: { httpStatusCode: 503, errorMessage: reason } };
    if (this.hello) {
      this.clearTimeout(this.hello.timer);
      this.hello.resolve(failed);
      this.hello = null;
    }
  }
}

function pullResponse(frame) {
  return { cookie: frame.cookie, lastMutationIDChanges: frame.lastMutationIDChanges ?? {}, patch: frame.patch ?? [] };
}

function ok(frame) {
  return { response: pullResponse(frame), httpRequestInfo: { httpStatusCode: 200, errorMessage: '' } };
}
