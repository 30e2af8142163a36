// React hooks of the console: its API client, calls repeated while a page is open, and the activity stream.
import { createContext, useCallback, useContext, useEffect, useRef, useState } from 'react';
import { readActivity } from './activity.js';
import { queryString } from './api.js';
import { followEventStream } from './sse.js';

export const ApiContext = createContext(null);

/** The console's API client (see api.js). */
export function useApi() {
  return useContext(ApiContext);
}

/**
 * Loads with load(api, signal) when the page opens, whenever deps change, and every intervalMs while the tab is
 * visible (never, when intervalMs is 0); reload() loads again at once. Keeps the last data through a failed load.
 */
export function useLoad(load, deps, intervalMs = 0) {
  const api = useApi();
  const [state, setState] = useState({ data: null, error: null, loading: true });
  const [tick, setTick] = useState(0);
  const loadRef = useRef(load);
  loadRef.current = load;

  useEffect(() => {
    const controller = new AbortController();
    let timer = null;
    let active = true;
    const run = async () => {
      timer = null;
      if (intervalMs === 0 || !document.hidden) {
        try {
          const data = await loadRef.current(api, controller.signal);
          if (active) {
            setState({ data, error: null, loading: false });
          }
        } catch (error) {
          if (active && error?.name !== 'AbortError') {
            setState((previous) => ({ data: previous.data, error, loading: false }));
          }
        }
      }
      if (active && intervalMs > 0) {
        timer = setTimeout(run, intervalMs);
      }
    };
    setState((previous) => ({ ...previous, loading: true }));
    run();
    return () => {
      active = false;
      controller.abort();
      clearTimeout(timer);
    };
  }, [api, tick, intervalMs, ...deps]);

  const reload = useCallback(() => setTick((n) => n + 1), []);
  return { ...state, reload };
}

/**
 * The machines and the busiest rooms (a page of them, by id prefix), live from the activity stream:
 * {machines, rooms, total, self, status}. status is 'connecting', 'open' or 'waiting' (reconnecting).
 */
export function useActivity({ prefix, offset, limit }) {
  const api = useApi();
  const [activity, setActivity] = useState({ machines: null, rooms: null, total: 0, self: null, updatedAt: null });
  const [status, setStatus] = useState('connecting');

  useEffect(() => {
    const url = `/api/activity${queryString({ prefix, offset, limit })}`;
    return followEventStream(url, {
      headers: api.headers,
      onStatus: setStatus,
      onAuthError: api.onAuthError,
      onEvent: ({ data }) => {
        let parsed;
        try {
          parsed = JSON.parse(data);
        } catch {
          return; // not an update: nothing to show
        }
        setActivity({ ...readActivity(parsed), updatedAt: Date.now() });
      },
    });
  }, [api, prefix, offset, limit]);

  return { ...activity, status };
}

/** A value that follows `value` once it has stayed the same for `ms` (what a search box sends while one types). */
export function useDebounced(value, ms) {
  const [settled, setSettled] = useState(value);
  useEffect(() => {
    const timer = setTimeout(() => setSettled(value), ms);
    return () => clearTimeout(timer);
  }, [value, ms]);
  return settled;
}

/** The time now, in epoch milliseconds, renewed every `ms`. */
export function useNow(ms) {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), ms);
    return () => clearInterval(timer);
  }, [ms]);
  return now;
}
