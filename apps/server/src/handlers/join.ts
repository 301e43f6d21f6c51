import { allowed } from '../auth/authorize.js';
import type { Handler } from './handler.js';
import { fail } from './handler.js';

export const join: Handler<'join'> = async (hub, conn, { room }) => {
  if (!(await allowed(conn, room, 'join'))) return fail('forbidden', `Not allowed to join room "${room}"`);
  const outcome = await hub.join(conn, room);
  if (!outcome.ok) return fail(outcome.code, `A connection can be in at most ${outcome.limit} rooms`);
  return { ok: true, result: { room, members: outcome.members } };
};
