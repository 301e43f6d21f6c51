import { allowed } from '../auth/authorize.js';
import type { Handler } from './handler.js';
import { fail } from './handler.js';

/** Every way into a room goes through here: `join` frames, the welcome's room and a resume's rooms. */
export const join: Handler<'join'> = async (hub, conn, { room, since }) => {
  if (!(await allowed(conn, room, 'join'))) return fail('forbidden', `Not allowed to join room "${room}"`);
  const outcome = await hub.join(conn, room, since);
  if (!outcome.ok) return fail(outcome.code, `A connection can be in at most ${outcome.limit} rooms`);
  const { members, memberCount, presenceEvents, position, recovery, release } = outcome;
  // Clients before these fields check ack results strictly: only those that asked for the
  // large-room protocol (presence=diff) get them; everyone gets them in the welcome.
  const counts = hub.takesDiffs(conn) ? { memberCount, presenceEvents } : {};
  const result = { room, members, ...counts, position, ...(recovery ? { recovery } : {}) };
  return { ok: true, result, after: release, presence: { memberCount, events: presenceEvents } };
};
