import { allowed } from '../auth/authorize.js';
import type { Handler } from './handler.js';
import { fail } from './handler.js';

/** Every way into a room goes through here: `join` frames, the welcome's room and a resume's rooms. */
export const join: Handler<'join'> = async (hub, conn, { room, since }) => {
  if (!(await allowed(conn, room, 'join'))) return fail('forbidden', `Not allowed to join room "${room}"`);
  const outcome = await hub.join(conn, room, since);
  if (!outcome.ok) return fail(outcome.code, `A connection can be in at most ${outcome.limit} rooms`);
  const { members, memberCount, presenceEvents, position, recovery, release } = outcome;
  const result = { room, members, memberCount, presenceEvents, position, ...(recovery ? { recovery } : {}) };
  return { ok: true, result, after: release };
};
