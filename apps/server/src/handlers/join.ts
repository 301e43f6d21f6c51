import type { Handler } from './handler.js';
import { fail } from './handler.js';

/** Every way into a room goes through here: `join` frames, the welcome's room and a resume's rooms. */
export const join: Handler<'join'> = async (hub, conn, { room, since }) => {
  const outcome = await hub.join(conn, room, since);
  if (!outcome.ok) return fail(outcome.code, `A connection can be in at most ${outcome.limit} rooms`);
  const { members, position, recovery, release } = outcome;
  return { ok: true, result: { room, members, position, ...(recovery ? { recovery } : {}) }, after: release };
};
