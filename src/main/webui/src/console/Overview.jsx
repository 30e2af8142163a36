import { useEffect, useId, useState } from 'react';
import { followLink, navigate } from '../router.js';
import { Charts } from './Charts.jsx';
import { formatAge, formatClock, formatCount, formatNumber } from './format.js';
import { useActivity, useDebounced, useNow } from './hooks.js';
import { lastOffset, offsetPage } from './paging.js';
import { spaceViewPath } from './routes.js';

const ROOMS_PER_PAGE = 10;

const STREAM_TEXT = { connecting: 'Connecting…', open: 'Live', waiting: 'Reconnecting…', stopped: 'Stopped' };

/** The deployment at a glance: its machines, its busiest rooms (live), and its traffic over the last hour. */
export function Overview() {
  const [typed, setTyped] = useState('');
  const prefix = useDebounced(typed.trim(), 250);
  const [offset, setOffset] = useState(0);
  const [searched, setSearched] = useState(prefix);
  if (searched !== prefix) {
    setSearched(prefix); // a new search starts at its first page
    setOffset(0);
  }
  const activity = useActivity({ prefix, offset, limit: ROOMS_PER_PAGE });
  // Rooms closed under the page shown: go to the last page there is.
  const last = lastOffset(ROOMS_PER_PAGE, activity.total);
  useEffect(() => {
    if (activity.rooms !== null && offset > last) {
      setOffset(last);
    }
  }, [activity.rooms, offset, last]);

  return (
    <div className="overview">
      <div className="overview-top">
        <Machines machines={activity.machines} self={activity.self} updatedAt={activity.updatedAt} />
        <Charts />
      </div>
      <section aria-labelledby="rooms-heading" className="panel">
        <div className="panel-head">
          <h2 id="rooms-heading">Busiest rooms</h2>
          <p className={`live live-${activity.status}`} role="status" data-testid="activity-status">
            <span className="dot" aria-hidden="true" />
            {STREAM_TEXT[activity.status] ?? activity.status}
            {activity.updatedAt && activity.status === 'open' && <> · updated {formatClock(activity.updatedAt)}</>}
          </p>
          <RoomSearch typed={typed} onType={setTyped} />
          <OpenSpace />
        </div>
        <RoomsTable rooms={activity.rooms} prefix={prefix} />
        <Pager page={offsetPage(offset, ROOMS_PER_PAGE, activity.total)} what="rooms" onGo={setOffset} />
      </section>
    </div>
  );
}

/**
 * The machines as the last activity event gave them. Heartbeat ages keep growing on screen between events: the stream
 * sends no event for an age that only grew.
 */
function Machines({ machines, self, updatedAt }) {
  const now = useNow(1000);
  const since = updatedAt === null ? 0 : Math.max(0, now - updatedAt);
  return (
    <section aria-labelledby="machines-heading" className="panel">
      <h2 id="machines-heading">Machines</h2>
      {machines === null ? <p className="hint">Loading…</p> : (
        <div className="table-wrap">
          <table data-testid="machines">
            <thead>
              <tr>
                <th scope="col">Machine</th>
                <th scope="col">Region</th>
                <th scope="col">State</th>
                <th scope="col" className="num">Heartbeat</th>
                <th scope="col" className="num">Sockets</th>
                <th scope="col" className="num">Rooms</th>
              </tr>
            </thead>
            <tbody>
              {machines.length === 0 && <tr><td colSpan={6} className="hint">No machine has reported yet.</td></tr>}
              {machines.map((machine) => (
                <tr key={machine.id}>
                  <th scope="row">
                    <code>{machine.id}</code>
                    {machine.id === self && <span className="tag">this one</span>}
                  </th>
                  <td>{machine.region ?? '–'}</td>
                  <td><span className={`state state-${machine.state}`}>{machine.state}</span></td>
                  <td className="num">{heartbeat(machine, self, since)}</td>
                  <td className="num">{formatCount(machine.sockets)}</td>
                  <td className="num">{formatCount(machine.rooms)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}

/**
 * How long ago a machine's heartbeat was. Without routing the answering machine reports itself with age 0, from
 * memory: it is live now, and no age grows.
 */
function heartbeat(machine, self, since) {
  if (machine.id === self && machine.heartbeatAgeMs === 0) {
    return 'now';
  }
  return `${formatAge(machine.heartbeatAgeMs + since)} ago`;
}

function RoomSearch({ typed, onType }) {
  const id = useId();
  return (
    <div className="field-inline">
      <label htmlFor={id}>Search by id prefix</label>
      <input id={id} type="search" value={typed} onChange={(e) => onType(e.target.value)} autoComplete="off"
        spellCheck={false} maxLength={64} />
    </div>
  );
}

/** Goes to a space's view by its id, busy or not. */
function OpenSpace() {
  const [typed, setTyped] = useState('');
  const id = useId();
  const valid = /^[A-Za-z0-9_-]{1,64}$/.test(typed.trim());
  return (
    <form className="field-inline" onSubmit={(e) => {
      e.preventDefault();
      if (valid) {
        navigate(spaceViewPath(typed.trim()));
      }
    }}>
      <label htmlFor={id}>Open a space</label>
      <input id={id} value={typed} onChange={(e) => setTyped(e.target.value)} placeholder="space id"
        autoComplete="off" spellCheck={false} maxLength={64} />
      <button type="submit" disabled={!valid}>Open</button>
    </form>
  );
}

function RoomsTable({ rooms, prefix }) {
  if (rooms === null) {
    return <p className="hint">Loading…</p>;
  }
  return (
    <div className="table-wrap">
      <table data-testid="rooms">
        <thead>
          <tr>
            <th scope="col">Space</th>
            <th scope="col" className="num">Sockets</th>
            <th scope="col" className="num">Changes/min</th>
            <th scope="col" className="num">Version</th>
            <th scope="col">Owner</th>
          </tr>
        </thead>
        <tbody>
          {rooms.length === 0 && (
            <tr><td colSpan={5} className="hint">{prefix ? `No room's id starts with "${prefix}".` : 'No open rooms.'}</td></tr>
          )}
          {rooms.map((room) => (
            <tr key={room.spaceID} data-testid="room" data-space={room.spaceID}>
              <th scope="row">
                <a href={spaceViewPath(room.spaceID)} onClick={followLink}><code>{room.spaceID}</code></a>
              </th>
              <td className="num">{formatCount(room.sockets)}</td>
              <td className="num">{formatNumber(room.changesPerMinute)}</td>
              <td className="num">{formatCount(room.version)}</td>
              <td>{room.owner ? <><code>{room.owner}</code>{room.region ? ` (${room.region})` : ''}</> : '–'}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/** Previous and next buttons of an offset-paged list, and where the page stands. */
export function Pager({ page, what, onGo }) {
  return (
    <nav className="pager" aria-label={`Pages of ${what}`}>
      <button type="button" disabled={page.previous === null} onClick={() => onGo(page.previous)}>← Previous</button>
      <span aria-live="polite">
        {page.from === 0 ? `No ${what}` : `${formatCount(page.from)}–${formatCount(page.to)} of ${formatCount(page.total)}`}
      </span>
      <button type="button" disabled={page.next === null} onClick={() => onGo(page.next)}>Next →</button>
    </nav>
  );
}
