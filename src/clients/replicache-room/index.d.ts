// Types of @replicache-quarkus/room: a Replicache 15 client syncing over a replicache-quarkus room's WebSocket.

/** The connection's state: whether the client is in the room, and if not, why. */
export type RoomStatus =
  | 'connecting'
  | 'connected'
  | 'reconnecting'
  | 'offline'
  | 'closed'
  | 'unauthorized'
  | 'forbidden'
  | 'not-found';

/** Why the client is not connected; null when it is (or is connecting for the first time). */
export type RoomStatusReason =
  | null
  | 'network'
  | 'moved'
  | 'full'
  | 'server'
  | 'unauthorized'
  | 'forbidden'
  | 'not-found'
  | 'too-many-messages'
  | 'message-too-big'
  | 'offline'
  | 'closed';

/** Any JSON value. */
export type JSONValue = null | boolean | number | string | JSONValue[] | { [key: string]: JSONValue };

/** A presence state: a JSON object. */
export type PresenceState = { [key: string]: JSONValue };

/** Another client in the room: its Replicache client id, its user (the token's `sub`; empty in open mode), its state. */
export interface Present<S extends PresenceState = PresenceState> {
  readonly clientID: string;
  readonly userID: string;
  readonly state: S;
}

/** An event another client of the room broadcast. */
export interface BroadcastEvent<E extends JSONValue = JSONValue> {
  readonly clientID: string;
  readonly userID: string;
  readonly event: E;
}

export interface RoomPresence<S extends PresenceState = PresenceState> {
  /** Replaces this client's state (null clears it); the others see it within an interval. */
  set(state: S | null): void;
  /** Merges the fields into this client's state. */
  update(partial: Partial<S>): void;
  /**
   * Calls the subscriber at once and whenever the others change, with everyone else in the room: a frozen array that
   * stays the same object until something changes. Returns the unsubscribe function.
   */
  subscribe(subscriber: (others: ReadonlyArray<Present<S>>) => void): () => void;
  /** Everyone else in the room now. */
  others(): ReadonlyArray<Present<S>>;
}

/** Replicache as far as the room client uses it (a `Replicache` instance created with `client.options`). */
export interface ReplicacheLike {
  readonly clientID: string;
  readonly clientGroupID: Promise<string>;
  readonly closed: boolean;
  pull(options?: { now?: boolean }): Promise<void>;
  push(options?: { now?: boolean }): Promise<void>;
  poke(poke: unknown): Promise<void>;
}

export interface RoomClientOptions {
  /** The room's WebSocket URL (see roomURL). */
  url: string;
  /** A WebSocket constructor: the browser's, or the `ws` package's in Node. */
  WebSocket: new (url: string) => unknown;
  /** Called with each new status. */
  onStatus?: (status: RoomStatus) => void;
  /** Debug logging. */
  log?: (message: string, ...details: unknown[]) => void;
  /** Where other client groups pull (Replicache's mutation recovery); derived from `url`. */
  pullURL?: string;
  /** The token sent in each hello, and as `Authorization` over HTTP. */
  auth?: string;
  /** Gets a new token when the server says the token expired or is not valid; without it the client stays 'unauthorized'. */
  getAuth?: () => Promise<string | null | undefined>;
  /** At most one presence frame per this many milliseconds (default 50); the latest state wins. */
  presenceInterval?: number;
  fetch?: typeof fetch;
  setTimeout?: (callback: () => void, ms: number) => unknown;
  clearTimeout?: (id: unknown) => void;
  random?: () => number;
  now?: () => number;
}

export declare class RoomClient<S extends PresenceState = PresenceState> {
  constructor(options: RoomClientOptions);
  /** The pusher and puller to create Replicache with (and no polling: the room pokes). */
  readonly options: {
    pusher: (body: unknown) => Promise<unknown>;
    puller: (body: unknown) => Promise<unknown>;
    pullInterval: null;
  };
  readonly status: RoomStatus;
  readonly reason: RoomStatusReason;
  /**
   * Calls the subscriber at once and on every change with the status and why. Returns the unsubscribe function.
   */
  subscribeStatus(subscriber: (status: { status: RoomStatus; reason: RoomStatusReason }) => void): () => void;
  /** Who is in the room, and this client's own presence. */
  readonly presence: RoomPresence<S>;
  /** Starts syncing the Replicache instance created with `options`. */
  start(rep: ReplicacheLike): void;
  /** The browser went offline (true) or online again (false). */
  setOffline(offline: boolean): void;
  /** Stops syncing for good, and leaves the room. */
  stop(): void;
  /** Sends an event to the others in the room; false when not connected (the event is dropped). */
  broadcast(event: JSONValue): boolean;
  /** Calls the handler with each event another client broadcasts. Returns the unsubscribe function. */
  onBroadcast(handler: (event: BroadcastEvent) => void): () => void;
}

/** The WebSocket URL of a space's room on an origin (`location.origin` in a browser). */
export declare function roomURL(origin: string, spaceID: string): string;

/** The HTTP pull URL of the space whose room socket URL this is. */
export declare function pullURLOf(socketURL: string): string;

/** The delay before reconnect attempt `attempt` (0-based), jittered. */
export declare function backoffDelay(attempt: number, random?: () => number): number;

/** Orders cookies as Replicache does. */
export declare function compareCookies(a: JSONValue | undefined, b: JSONValue | undefined): number;
