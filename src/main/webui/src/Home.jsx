import { useEffect, useState } from 'react';
import { followLink, navigate } from './router.js';
import { authHeaders } from './sync/auth.js';

async function json(response) {
  if (!response.ok) {
    throw new Error(`the server answered ${response.status}`);
  }
  return response.json();
}

/** The lists (rooms) the server knows, newest first, and a button for a new one. */
export function Home() {
  const [rooms, setRooms] = useState(null);
  const [error, setError] = useState(null);
  const [creating, setCreating] = useState(false);

  useEffect(() => {
    document.title = 'Todo lists · replicache-quarkus';
    let current = true;
    fetch('/api/rooms', { headers: authHeaders() })
      .then(json)
      .then((body) => current && setRooms(body.rooms ?? []))
      .catch((e) => current && setError(`Could not load the lists: ${e.message}.`));
    return () => {
      current = false;
    };
  }, []);

  async function createList() {
    setCreating(true);
    setError(null);
    try {
      const { spaceID } = await json(await fetch('/api/replicache/createSpace', {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', ...authHeaders() },
        body: '{}',
      }));
      navigate(`/list/${spaceID}`);
    } catch (e) {
      setError(`Could not create a list: ${e.message}.`);
      setCreating(false);
    }
  }

  return (
    <main className="page">
      <header>
        <h1>Todo lists</h1>
        <p className="hint">Every list is shared: whoever opens it sees the same todos, live, and can change them.</p>
      </header>
      <button type="button" className="primary" onClick={createList} disabled={creating}>
        {creating ? 'Creating…' : 'New list'}
      </button>
      {error && <p role="alert" className="error">{error}</p>}
      <section aria-labelledby="lists-heading" aria-busy={rooms === null && !error}>
        <h2 id="lists-heading">Recent lists</h2>
        {rooms === null && !error && <p className="hint">Loading…</p>}
        {rooms?.length === 0 && <p className="hint">No lists yet: make the first one.</p>}
        {rooms?.length > 0 && (
          <ul className="rooms">
            {rooms.map((room) => (
              <li key={room.spaceID}>
                <a href={`/list/${room.spaceID}`} onClick={followLink}>{room.spaceID}</a>
                <span className="meta">
                  {room.version} change{room.version === 1 ? '' : 's'}
                  {' · '}
                  {room.sockets > 0 ? `${room.sockets} open here` : 'nobody here'}
                </span>
              </li>
            ))}
          </ul>
        )}
      </section>
    </main>
  );
}
