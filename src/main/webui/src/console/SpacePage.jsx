import { useId, useLayoutEffect, useRef, useState } from 'react';
import { followLink } from '../router.js';
import { ApiError, spacePath } from './api.js';
import { formatAge, formatClock, formatCount, oneLine, plural, prettyJson } from './format.js';
import { useApi, useDebounced, useLoad } from './hooks.js';
import { FIRST_PAGE, cursorOf, nextPage, pageNumber, previousPage } from './paging.js';
import { useChangeFeed } from './useChangeFeed.js';

const ENTRIES_PER_PAGE = 20;
const GROUPS_PER_PAGE = 20;

/** One space: its entries, who is present, its changes as they come, its client groups, and what can be done to it. */
export function SpacePage({ spaceID }) {
  const feed = useChangeFeed(spaceID);
  const [deleted, setDeleted] = useState(false);
  const gone = deleted || feed.status === 'gone';

  return (
    <div className="space-page">
      <div className="space-head">
        <nav aria-label="Breadcrumb"><a href="/console" onClick={followLink}>Overview</a> /</nav>
        <h1>Space <code data-testid="space-id">{spaceID}</code></h1>
        {feed.version !== null && <span className="meta">version {formatCount(feed.version)}</span>}
        {!gone && <Actions spaceID={spaceID} onDeleted={() => setDeleted(true)} />}
      </div>
      {gone && (
        <p role="alert" className="notice" data-testid="space-gone">
          {deleted ? 'This space was deleted. Its sockets were closed; clients see it as deleted.'
            : 'There is no such space, or it was deleted.'}
        </p>
      )}
      {!gone && (
        <div className="space-grid">
          <Entries spaceID={spaceID} feedVersion={feed.version} />
          <div className="space-side">
            <Presence spaceID={spaceID} />
            <Feed feed={feed} />
            <ClientGroups spaceID={spaceID} feedVersion={feed.version} />
          </div>
        </div>
      )}
    </div>
  );
}

function Entries({ spaceID, feedVersion }) {
  const [typed, setTyped] = useState('');
  const prefix = useDebounced(typed, 250);
  const [pages, setPages] = useState(FIRST_PAGE);
  const [searched, setSearched] = useState(prefix);
  if (searched !== prefix) {
    setSearched(prefix);
    setPages(FIRST_PAGE);
  }
  const after = cursorOf(pages);
  const entries = useLoad((api, signal) => api.get(spacePath(spaceID, '/entries'),
    { prefix, after, limit: ENTRIES_PER_PAGE }, signal), [spaceID, prefix, after]);
  const fieldId = useId();
  const data = entries.data;
  const stale = data && feedVersion !== null && feedVersion > data.version;

  return (
    <section aria-labelledby="entries-heading" className="panel entries">
      <div className="panel-head">
        <h2 id="entries-heading">Entries</h2>
        {data && <span className="meta">as of version {formatCount(data.version)}</span>}
        <div className="field-inline">
          <label htmlFor={fieldId}>Key prefix</label>
          <input id={fieldId} type="search" value={typed} onChange={(e) => setTyped(e.target.value)}
            autoComplete="off" spellCheck={false} />
        </div>
        <button type="button" onClick={entries.reload} className={stale ? 'primary' : undefined}>
          {stale ? 'Newer changes: refresh' : 'Refresh'}
        </button>
      </div>
      {entries.error && <p role="alert" className="error">Could not load the entries: {entries.error.message}.</p>}
      {!data && !entries.error && <p className="hint">Loading…</p>}
      {data && data.entries.length === 0 && (
        <p className="hint">{prefix ? `No key starts with "${prefix}".` : 'This space holds no entries.'}</p>
      )}
      {data && data.entries.length > 0 && (
        <dl className="entry-list" data-testid="entries">
          {data.entries.map((entry) => (
            <div key={entry.key} className="entry">
              <dt><code>{entry.key}</code></dt>
              <dd><pre>{prettyJson(entry.value)}</pre></dd>
            </div>
          ))}
        </dl>
      )}
      <nav className="pager" aria-label="Pages of entries">
        <button type="button" disabled={pageNumber(pages) === 1} onClick={() => setPages(previousPage)}>← Previous</button>
        <span>Page {pageNumber(pages)}</span>
        <button type="button" disabled={!data?.next} onClick={() => setPages((p) => nextPage(p, data.next))}>Next →</button>
      </nav>
    </section>
  );
}

const SAFE_COLOR = /^(#[0-9a-f]{3,8}|(rgb|hsl)a?\([0-9.,%\s]+\))$/i;

function Presence({ spaceID }) {
  const presence = useLoad((api, signal) => api.get(spacePath(spaceID, '/presence'), {}, signal), [spaceID], 1000);
  const present = presence.data?.present ?? [];
  return (
    <section aria-labelledby="presence-heading" className="panel">
      <h2 id="presence-heading">Present <span className="count">{presence.data ? present.length : ''}</span></h2>
      {presence.error && <p role="alert" className="error">Could not load who is present: {presence.error.message}.</p>}
      {presence.data && present.length === 0 && <p className="hint">Nobody has this space open.</p>}
      {present.length > 0 && (
        <ul className="people" data-testid="presence">
          {present.map((person) => {
            const state = person.state && typeof person.state === 'object' ? person.state : {};
            const name = typeof state.name === 'string' && state.name ? state.name : null;
            const color = typeof state.color === 'string' && SAFE_COLOR.test(state.color) ? state.color : '#5b6270';
            return (
              <li key={person.clientID} data-testid="person" data-name={name ?? ''}>
                <span className="swatch" style={{ background: color }} aria-hidden="true" />
                <span className="who">
                  <strong>{name ?? 'No name'}</strong>
                  {person.userID && <span className="meta"> user <code>{person.userID}</code></span>}
                  {typeof state.editing === 'string' && <span className="meta"> · editing <code>{state.editing}</code></span>}
                </span>
                <details>
                  <summary>State<span className="visually-hidden"> of {name ?? person.clientID}</span></summary>
                  <p className="meta">client <code>{person.clientID}</code></p>
                  <pre>{prettyJson(person.state)}</pre>
                </details>
              </li>
            );
          })}
        </ul>
      )}
    </section>
  );
}

const FEED_TEXT = { loading: 'Connecting…', live: 'Live', reconnecting: 'Reconnecting…', error: 'Retrying…', gone: 'Ended' };

function Feed({ feed }) {
  return (
    <section aria-labelledby="feed-heading" className="panel feed">
      <div className="panel-head">
        <h2 id="feed-heading">Recent changes</h2>
        <p className={`live live-${feed.status === 'live' ? 'open' : 'waiting'}`} data-testid="feed-status">
          <span className="dot" aria-hidden="true" />{FEED_TEXT[feed.status] ?? feed.status}
        </p>
      </div>
      {feed.note && <p className="hint">{feed.note}</p>}
      {feed.changes.length === 0 && feed.status !== 'loading' && <p className="hint">No changes yet.</p>}
      {feed.changes.length > 0 && (
        <ol className="changes" data-testid="feed" aria-live="polite" aria-relevant="additions">
          {feed.changes.map((change) => (
            <li key={`${change.version}:${change.key}`} data-testid="change" data-op={change.op}>
              <time className="meta" dateTime={new Date(change.seenAt).toISOString()}>{formatClock(change.seenAt)}</time>
              <span className="meta">v{formatCount(change.version)}</span>
              <span className={`op op-${change.op}`}>{change.op}</span>
              <code className="key">{change.key}</code>
              {change.op === 'put' && <code className="preview">{oneLine(change.value)}</code>}
              {change.op === 'put' && (
                <details>
                  <summary>Value<span className="visually-hidden"> of {change.key}</span></summary>
                  <pre>{prettyJson(change.value)}</pre>
                </details>
              )}
            </li>
          ))}
        </ol>
      )}
    </section>
  );
}

function ClientGroups({ spaceID, feedVersion }) {
  const [pages, setPages] = useState(FIRST_PAGE);
  const after = cursorOf(pages);
  const groups = useLoad((api, signal) => api.get(spacePath(spaceID, '/clients'),
    { after, limit: GROUPS_PER_PAGE }, signal), [spaceID, after, feedVersion], 5000);
  const list = groups.data?.clientGroups ?? [];
  const next = groups.data?.next ?? (list.length === GROUPS_PER_PAGE ? list[list.length - 1].clientGroupID : null);
  return (
    <section aria-labelledby="groups-heading" className="panel">
      <h2 id="groups-heading">Client groups</h2>
      {groups.error && <p role="alert" className="error">Could not load the client groups: {groups.error.message}.</p>}
      {groups.data && list.length === 0 && <p className="hint">No client group has synced this space.</p>}
      {list.length > 0 && (
        <div className="table-wrap">
          <table data-testid="client-groups">
            <thead>
              <tr>
                <th scope="col">Client group · client</th>
                <th scope="col">User</th>
                <th scope="col" className="num">Sockets</th>
                <th scope="col" className="num">Last mutation</th>
                <th scope="col" className="num">At version</th>
                <th scope="col" className="num">Active</th>
              </tr>
            </thead>
            {list.map((group) => (
              <tbody key={group.clientGroupID}>
                <tr className="group-row">
                  <th scope="row"><code>{group.clientGroupID}</code></th>
                  <td>{group.userID ? <code>{group.userID}</code> : '–'}</td>
                  <td className="num">{formatCount(group.sockets)}</td>
                  <td />
                  <td />
                  <td className="num">{activeAgo(group.lastActiveAt)}</td>
                </tr>
                {(group.clients ?? []).map((client) => (
                  <tr key={client.clientID} className="client-row">
                    <th scope="row"><code>{client.clientID}</code></th>
                    <td />
                    <td />
                    <td className="num">{formatCount(client.lastMutationID)}</td>
                    <td className="num">{formatCount(client.lastModifiedVersion)}</td>
                    <td />
                  </tr>
                ))}
              </tbody>
            ))}
          </table>
        </div>
      )}
      {(pageNumber(pages) > 1 || next) && (
        <nav className="pager" aria-label="Pages of client groups">
          <button type="button" disabled={pageNumber(pages) === 1} onClick={() => setPages(previousPage)}>← Previous</button>
          <span>Page {pageNumber(pages)}</span>
          <button type="button" disabled={!next} onClick={() => setPages((p) => nextPage(p, next))}>Next →</button>
        </nav>
      )}
    </section>
  );
}

/** How long ago a time (ISO 8601) was: "3 min ago"; a dash without one. */
function activeAgo(at) {
  const time = Date.parse(at ?? '');
  return Number.isNaN(time) ? '–' : `${formatAge(Math.max(0, Date.now() - time))} ago`;
}

/** Close sockets and Delete space, each behind a confirmation. */
function Actions({ spaceID, onDeleted }) {
  const api = useApi();
  const [asking, setAsking] = useState(null); // 'close' | 'delete' | null
  const [busy, setBusy] = useState(false);
  const [outcome, setOutcome] = useState(null);

  async function run(action) {
    setBusy(true);
    setOutcome(null);
    try {
      if (action === 'close') {
        const { closed } = await api.post(spacePath(spaceID, '/sockets/close'));
        setOutcome({ ok: true, text: `Closed ${plural(closed, 'socket')} on this machine, and the room's on the others; clients reconnect.` });
      } else {
        await api.del(spacePath(spaceID));
        onDeleted();
      }
      setAsking(null);
    } catch (error) {
      const text = error instanceof ApiError && error.code === 'SpaceNotFound' ? 'There is no such space.' : error.message;
      setOutcome({ ok: false, text });
      setAsking(null);
    } finally {
      setBusy(false);
    }
  }

  return (
    <div className="actions">
      {outcome && <p role="status" className={outcome.ok ? 'meta' : 'error'} data-testid="action-outcome">{outcome.text}</p>}
      <button type="button" onClick={() => setAsking('close')}>Close sockets</button>
      <button type="button" className="danger" onClick={() => setAsking('delete')}>Delete space</button>
      {asking === 'close' && (
        <Confirm title="Close this space's sockets?" action="Close sockets" busy={busy} focusCancel
          onConfirm={() => run('close')} onCancel={() => setAsking(null)}>
          <p>Every socket of <code>{spaceID}</code>, on every machine, is closed. Clients reconnect at once and lose
            nothing.</p>
        </Confirm>
      )}
      {asking === 'delete' && <DeleteConfirm spaceID={spaceID} busy={busy} onConfirm={() => run('delete')}
        onCancel={() => setAsking(null)} />}
    </div>
  );
}

function DeleteConfirm({ spaceID, busy, onConfirm, onCancel }) {
  const [typed, setTyped] = useState('');
  const fieldId = useId();
  return (
    <Confirm title="Delete this space?" action="Delete space" danger busy={busy} ready={typed === spaceID}
      onConfirm={onConfirm} onCancel={onCancel}>
      <p>Its entries and clients are deleted, and its sockets closed: clients see the space as deleted and do not
        reconnect. This cannot be undone.</p>
      <label htmlFor={fieldId}>Type <code>{spaceID}</code> to confirm</label>
      <input id={fieldId} value={typed} onChange={(e) => setTyped(e.target.value)} autoComplete="off"
        spellCheck={false} autoFocus />
    </Confirm>
  );
}

/** A modal confirmation: Escape or Cancel dismisses it, and the focus goes back where it was. */
function Confirm({ title, action, danger = false, focusCancel = false, busy, ready = true, onConfirm, onCancel, children }) {
  const dialog = useRef(null);
  const titleId = useId();
  // Closed before React removes it from the page, and the focus put back on what opened it.
  useLayoutEffect(() => {
    const element = dialog.current;
    const opener = document.activeElement;
    element.showModal();
    return () => {
      if (element.open) {
        element.close();
      }
      if (opener instanceof HTMLElement && opener.isConnected) {
        opener.focus();
      }
    };
  }, []);
  return (
    <dialog ref={dialog} className="confirm" aria-labelledby={titleId} onCancel={(e) => {
      e.preventDefault();
      onCancel();
    }}>
      <form method="dialog" onSubmit={(e) => {
        e.preventDefault();
        if (ready && !busy) {
          onConfirm();
        }
      }}>
        <h2 id={titleId}>{title}</h2>
        {children}
        <div className="dialog-buttons">
          <button type="button" onClick={onCancel} autoFocus={focusCancel}>Cancel</button>
          <button type="submit" className={danger ? 'primary danger-fill' : 'primary'} disabled={!ready || busy}>
            {busy ? 'Working…' : action}
          </button>
        </div>
      </form>
    </dialog>
  );
}
