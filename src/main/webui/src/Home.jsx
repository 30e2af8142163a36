import { useEffect, useState } from 'react';
import { navigate } from './main.jsx';

/** The lists (rooms) the server knows, newest first, and a button for a new one. */
export function Home() {
  const [rooms, setRooms] = useState(null);
  const [error, setError] = useState(null);
  const [creating, setCreating] = useState(false);

  useEffect(() => {
    document.title = 'Todo lists · replicache-quarkus';
    fetch('/api/rooms')
      .then((response) => (response.ok ? response.json() : Promise.reject(new Error(`HTTP ${response.status}`))))
      .then((body) => setRooms(body.rooms))
      .catch((e) => setError(`Could not load the lists: ${e.message}`));
  }, []);

  async function createList() {
    setCreating(true);
    try {
      const response = await fetch('/api/replicache/createSpace', {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: '{}',
      });
      if (!response.ok) {
        throw new Error(`HTTP ${response.status}`);
      }
      const { spaceID } = await response.json();
      navigate(`/list/${spaceID}`);
    } catch (e) {
      setError(`Could not create a list: ${e.message}`);
      setCreating(false);
    }
  }

  return (
    <main className="page">
      <header>
        <h1>Todo lists</h1>
        <p className="hint">Every list is a room: everyone who opens it sees the same list, live.</p>
      </header>
      <button type="button" className="primary" onClick={createList} disabled={creating}>
        {creating ? 'Creating…' : 'New list'}
      </button>
      {error && <p role="alert" className="error">{error}</p>}
      {rooms === null && !error && <p>Loading…</p>}
      {rooms?.length === 0 && <p>No lists yet.</p>}
      {rooms?.length > 0 && (
        <ul className="rooms">
          {rooms.map((room) => (
            <li key={room.spaceID}>
              <a href={`/list/${room.spaceID}`} onClick={(e) => { e.preventDefault(); navigate(`/list/${room.spaceID}`); }}>
                {room.spaceID}
              </a>
              <span className="meta">
                {room.sockets > 0 ? `${room.sockets} open` : 'nobody here'}
                {room.region ? ` · ${room.region}` : ''}
              </span>
            </li>
          ))}
        </ul>
      )}
    </main>
  );
}
