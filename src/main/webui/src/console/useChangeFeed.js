import { useEffect, useState } from 'react';
import { ApiError, spacePath } from './api.js';
import { addChanges, afterFeedError, startOf } from './feed.js';
import { useApi } from './hooks.js';
import { followEventStream } from './sse.js';

const PAGE = 100;

/**
 * A space's recent changes, live: starts a few versions back, and on every poke of the space's poke stream reads the
 * change feed from the last version seen. After 409 or 410 it starts again from the space's current version.
 * Gives {changes, version, status, note}; status is 'loading', 'live', 'reconnecting', 'gone' (no such space, or it
 * was deleted) or 'error'.
 */
export function useChangeFeed(spaceID) {
  const api = useApi();
  const [feed, setFeed] = useState({ changes: [], version: null, status: 'loading', note: null });

  useEffect(() => {
    let stopped = false;
    let since = null; // the version the feed has reached; null: not started
    let reaching = false;
    let again = false;
    let retry = null;
    let stopStream = () => {};
    const update = (change) => !stopped && setFeed((previous) => ({ ...previous, ...change(previous) }));

    const begin = async (back) => {
      const { version } = await api.get(spacePath(spaceID, '/entries'), { limit: 1 });
      return back ? startOf(version) : version;
    };

    const catchUp = async () => {
      if (reaching) {
        again = true;
        return;
      }
      reaching = true;
      let restarted = false;
      try {
        for (;;) {
          if (since === null) {
            since = await begin(!restarted);
          }
          let page;
          try {
            page = await api.get(spacePath(spaceID, '/changes'), { since, limit: PAGE });
          } catch (error) {
            if (error instanceof ApiError && afterFeedError(error.status) === 'restart' && !restarted) {
              restarted = true;
              since = null;
              update(() => ({ note: 'The space\'s history before this point is gone: the feed starts from its current version.' }));
              continue;
            }
            throw error;
          }
          since = page.to;
          const seenAt = Date.now();
          update((previous) => ({
            changes: addChanges(previous.changes, page.changes ?? [], seenAt),
            version: page.to,
            status: previous.status === 'error' ? 'live' : previous.status,
          }));
          if (!page.more || stopped) {
            break;
          }
        }
      } catch (error) {
        if (error instanceof ApiError && afterFeedError(error.status) === 'gone') {
          update(() => ({ status: 'gone' }));
          stopped = true;
          stopStream();
        } else if (!(error instanceof ApiError && error.isAuth)) {
          update(() => ({ status: 'error', note: `Could not read the changes: ${error.message}.` }));
          retry = setTimeout(catchUp, 2000);
        }
      } finally {
        reaching = false;
      }
      if (again && !stopped) {
        again = false;
        catchUp();
      }
    };

    stopStream = followEventStream(`/api/replicache/poke?spaceID=${encodeURIComponent(spaceID)}`, {
      headers: api.headers,
      onAuthError: api.onAuthError,
      onStatus: (status) => update((previous) => previous.status === 'gone' ? {} : {
        status: status === 'open' ? 'live' : status === 'connecting' && previous.status === 'loading' ? 'loading'
          : 'reconnecting',
      }),
      onEvent: ({ data }) => {
        if (data === 'poke' || data === 'hello') {
          catchUp(); // hello: the stream (re)opened, and changes may have come while it was down
        }
      },
    });

    return () => {
      stopped = true;
      stopStream();
      clearTimeout(retry);
    };
  }, [api, spaceID]);

  return feed;
}
