import { useEffect, useState } from 'react';
import { Replicache } from 'replicache';
import { RoomClient, roomURL } from './sync/room-client.js';
import { listTodos, mutators } from './todo/mutators.js';

/**
 * One Replicache per list, stored in the browser (IndexedDB) under the list's id, synced over the list's room socket.
 * Gives the todos (sorted), the mutators, the connection status and the number of changes not yet confirmed.
 */
export function useTodoList(spaceID) {
  const [rep, setRep] = useState(null);
  const [todos, setTodos] = useState([]);
  const [status, setStatus] = useState('connecting');
  const [pending, setPending] = useState(0);

  useEffect(() => {
    const room = new RoomClient({ url: roomURL(window.location.origin, spaceID), WebSocket: window.WebSocket,
      onStatus: setStatus, log: (...args) => console.debug('[room]', ...args) });
    const replicache = new Replicache({ name: `todo-${spaceID}`, mutators, pushDelay: 10, ...room.options });
    room.start(replicache);
    const onOnline = () => room.setOffline(false);
    const onOffline = () => room.setOffline(true);
    window.addEventListener('online', onOnline);
    window.addEventListener('offline', onOffline);
    if (!navigator.onLine) {
      room.setOffline(true);
    }

    const unsubscribe = replicache.subscribe(async (tx) => [...await listTodos(tx)].sort((a, b) => a.sort - b.sort),
      { onData: setTodos });
    const pendingTimer = setInterval(async () => {
      try {
        setPending((await replicache.experimentalPendingMutations()).length);
      } catch {
        // closed meanwhile
      }
    }, 300);
    setRep(replicache);

    return () => {
      clearInterval(pendingTimer);
      unsubscribe();
      window.removeEventListener('online', onOnline);
      window.removeEventListener('offline', onOffline);
      room.stop();
      replicache.close();
    };
  }, [spaceID]);

  return { todos, mutate: rep?.mutate, status, pending };
}
