import { describe, expect, it } from 'vitest';
import type { Member } from '../adapters/adapter.js';
import { decodeMemberCursor, firstMembers, memberPage } from './member-page.js';

const m = (clientId: string): Member => ({ id: clientId, name: clientId, clientId });
const ids = (members: Member[]) => members.map((x) => x.clientId);

describe('member pages', () => {
  const listed = ['d', 'b', 'e', 'a', 'c'].map(m);

  it('pages in clientId order after the cursor, with a cursor while more follow', () => {
    const first = memberPage(listed, undefined, 2);
    expect(ids(first.members)).toEqual(['a', 'b']);
    expect(first.memberCount).toBe(5);
    expect(decodeMemberCursor(first.nextCursor as string)).toBe('b');
    const second = memberPage(listed, first.nextCursor, 2);
    expect(ids(second.members)).toEqual(['c', 'd']);
    const last = memberPage(listed, second.nextCursor, 2);
    expect(ids(last.members)).toEqual(['e']);
    expect(last.nextCursor).toBeUndefined();
  });

  it('gives no cursor when a page ends exactly at the last member', () => {
    expect(memberPage(listed, undefined, 5).nextCursor).toBeUndefined();
  });

  it('lists the connection itself first, then others up to the cap', () => {
    expect(ids(firstMembers(listed, 'c', 3))).toEqual(['c', 'd', 'b']);
    // Itself once, also when it comes early in the listing.
    expect(ids(firstMembers(listed, 'd', 3))).toEqual(['d', 'b', 'e']);
    expect(ids(firstMembers(listed, 'gone', 2))).toEqual(['d', 'b']);
  });
});
