import type { Handler } from './handler.js';
import { fail } from './handler.js';

export const leave: Handler<'leave'> = async (hub, conn, { room }) => {
  if (!(await hub.leave(conn, room))) return fail('not_in_room', `Not a member of room "${room}"`);
  return { ok: true, result: { room } };
};
