// What one event of the activity stream (/api/activity) holds: {"machines": <as /api/machines>, "rooms": <as
// /api/rooms/busiest>}.

/** An activity event's machines, the answering machine's id, the page of busiest rooms and their total. */
export function readActivity(event) {
  const machines = Array.isArray(event?.machines?.machines) ? event.machines.machines : [];
  const rooms = Array.isArray(event?.rooms?.rooms) ? event.rooms.rooms : [];
  const total = Number.isFinite(event?.rooms?.total) ? event.rooms.total : rooms.length;
  return { machines, rooms, total, self: event?.machines?.self ?? null };
}
