// Who this person is to the others on a list: a name picked once (kept in this browser) and a colour of their own.

const NAME_KEY = 'replicache-quarkus.name';
const ANIMALS = ['Otter', 'Heron', 'Lynx', 'Badger', 'Finch', 'Marten', 'Ibis', 'Stoat', 'Wren', 'Hare'];

/** The name this browser shows the others: the one picked, or one made up the first time and kept. */
export function myName(storage = globalThis.localStorage, random = Math.random) {
  const kept = storage?.getItem(NAME_KEY);
  if (kept) {
    return kept;
  }
  const name = `${ANIMALS[Math.floor(random() * ANIMALS.length)]} ${Math.floor(random() * 90) + 10}`;
  storage?.setItem(NAME_KEY, name);
  return name;
}

/** Keeps the picked name (trimmed, at most 40 characters); an empty one is not kept. Returns what is kept. */
export function keepName(name, storage = globalThis.localStorage) {
  const trimmed = name.trim().slice(0, 40);
  if (trimmed) {
    storage?.setItem(NAME_KEY, trimmed);
  }
  return trimmed || myName(storage);
}

/** A colour of the name's own, the same on every screen: a hue from the name's characters. */
export function colorOf(name) {
  let hash = 0;
  for (const char of name) {
    hash = (hash * 31 + char.codePointAt(0)) % 360;
  }
  return `hsl(${hash}, 65%, 45%)`;
}

/** Up to two initials of a name ("Otter 42" → "O4", "ana lima" → "AL"). */
export function initialsOf(name) {
  const words = String(name ?? '').trim().split(/\s+/).filter(Boolean);
  return words.slice(0, 2).map((word) => [...word][0].toUpperCase()).join('') || '?';
}
