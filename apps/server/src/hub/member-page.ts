import type { Member } from '../adapters/adapter.js';

/** A page of a room's members in clientId order; `nextCursor` is set while more follow. */
export interface MemberPage {
  members: Member[];
  memberCount: number;
  nextCursor?: string;
}

// The cursor is the last clientId of the previous page; opaque to callers so its form may change.
export const encodeMemberCursor = (clientId: string) => Buffer.from(clientId).toString('base64url');
export const decodeMemberCursor = (cursor: string) => Buffer.from(cursor, 'base64url').toString();

const byClientId = (a: Member, b: Member) => (a.clientId < b.clientId ? -1 : a.clientId > b.clientId ? 1 : 0);

/**
 * Members after the cursor, in clientId order. Ordering by a key rather than by position means a
 * member present from the first page to the last is listed exactly once, whoever comes and goes.
 */
export function memberPage(listed: readonly Member[], cursor: string | undefined, limit: number): MemberPage {
  const after = cursor === undefined ? undefined : decodeMemberCursor(cursor);
  const rest = (after === undefined ? [...listed] : listed.filter((m) => m.clientId > after)).sort(byClientId);
  const members = rest.slice(0, limit);
  const last = members.at(-1);
  const page: MemberPage = { members, memberCount: listed.length };
  if (last && rest.length > limit) page.nextCursor = encodeMemberCursor(last.clientId);
  return page;
}

/**
 * The members a welcome or join ack lists: the connection itself first (a client always finds
 * itself), then others up to `max`. The rest are for `members` pages.
 */
export function firstMembers(listed: readonly Member[], self: string, max: number): Member[] {
  const own = listed.find((m) => m.clientId === self);
  const out: Member[] = own ? [own] : [];
  for (const m of listed) {
    if (out.length >= max) break;
    if (m !== own) out.push(m);
  }
  return out;
}
