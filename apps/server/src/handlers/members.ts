import { allowed } from '../auth/authorize.js';
import { wireUser } from '../hub/hub.js';
import type { Handler } from './handler.js';
import { fail } from './handler.js';

export const DEFAULT_MEMBER_PAGE = 100;

/**
 * A page of a room's members. Ruled like the HTTP listing (the `read` decision), not by
 * membership: whoever may read a room may see who is in it without joining.
 */
export const members: Handler<'members'> = async (hub, conn, { room, cursor, limit }) => {
  if (!(await allowed(conn, room, 'read'))) return fail('forbidden', `Not allowed to read room "${room}"`);
  const page = await hub.memberPage(room, cursor, limit ?? DEFAULT_MEMBER_PAGE);
  const result = { room, members: page.members.map(wireUser), memberCount: page.memberCount };
  return { ok: true, result: page.nextCursor === undefined ? result : { ...result, nextCursor: page.nextCursor } };
};
