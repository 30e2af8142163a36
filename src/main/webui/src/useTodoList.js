import { useCallback, useEffect, useState } from 'react';
import { Replicache } from 'replicache';
import { currentToken, refreshToken } from './sync/auth.js';
import { RoomClient, roomURL } from '@replicache-quarkus/room';
import { listTodos, mutators } from './todo/mutators.js';

/** Todos in list order: by sort, then by id (two todos created at once elsewhere may share a sort for a moment). */
export function sortTodos(todos) {
  return [...todos].sort((a, b) => a.sort - b.sort || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

/**
 * One Replicache per list, stored in the browser (IndexedDB) under the list's id and synced over the list's room
 * socket. Gives the todos in order, the mutators, the connection status, how many changes the server has not
 * confirmed yet, who else has the list open (and what each is editing), and how to show the others what this person
 * does.
 */
export function useTodoList(spaceID, me) {
  const [rep, setRep] = useState(null);
  const [room, setRoom] = useState(null);
  const [others, setOthers] = useState([]);
  const [todos, setTodos] = useState([]);
  const [loaded, setLoaded] = useState(false);
  const [status, setStatus] = useState('connecting');
  const [pending, setPending] = useState(0);

  useEffect(() => {
    // Opened a moment later, not at once: React's StrictMode (in development) mounts, unmounts and mounts again at
    // once, and a Replicache closed while it is still opening leaves IndexedDB errors nobody can catch.
    let close = null;
    const opening = setTimeout(() => {
      close = openList(spaceID, { setRep, setRoom, setOthers, setTodos, setLoaded, setStatus, setPending });
    }, 0);
    return () => {
      clearTimeout(opening);
      close?.();
    };
  }, [spaceID]);

  // This person's name and colour go to the others whenever they change, and with every reconnect.
  useEffect(() => {
    room?.presence.update({ name: me.name, color: me.color });
  }, [room, me.name, me.color]);

  const setEditing = useCallback((todoID) => room?.presence.update({ editing: todoID }), [room]);
  return { todos, loaded, mutate: rep?.mutate ?? null, status, pending, others, setEditing };
}

/** Opens the list's Replicache and its room socket, feeding the state setters; returns what closes them. */
function openList(spaceID, { setRep, setRoom, setOthers, setTodos, setLoaded, setStatus, setPending }) {
  const room = new RoomClient({
    url: roomURL(window.location.origin, spaceID),
    WebSocket: window.WebSocket,
    onStatus: setStatus,
    log: (...args) => console.debug('[room]', ...args),
    auth: currentToken(),
    getAuth: refreshToken,
  });
  const replicache = new Replicache({ name: `todo-${spaceID}`, mutators, pushDelay: 10, ...room.options });
  room.start(replicache);
  const stopWatching = room.presence.subscribe(setOthers);

  // An offline browser can keep a dead socket open for minutes: the room client drops it at once.
  const onOnline = () => room.setOffline(false);
  const onOffline = () => room.setOffline(true);
  window.addEventListener('online', onOnline);
  window.addEventListener('offline', onOffline);
  if (!navigator.onLine) {
    room.setOffline(true);
  }

  const unsubscribe = replicache.subscribe(async (tx) => sortTodos(await listTodos(tx)), {
    onData: (data) => {
      setTodos(data);
      setLoaded(true);
    },
  });
  // Changes the server has not confirmed yet, counted four times a second (confirmations arrive with pokes).
  let counting = false;
  const countPending = async () => {
    if (counting || replicache.closed) {
      return;
    }
    counting = true;
    try {
      setPending((await replicache.experimentalPendingMutations()).length);
    } catch {
      // closed meanwhile
    } finally {
      counting = false;
    }
  };
  const pendingTimer = setInterval(countPending, 250);
  setRep(replicache);
  setRoom(room);

  return () => {
    stopWatching();
    setRoom(null);
    setOthers([]);
    clearInterval(pendingTimer);
    unsubscribe();
    window.removeEventListener('online', onOnline);
    window.removeEventListener('offline', onOffline);
    room.stop();
    replicache.close();
    setRep(null);
  };
}
