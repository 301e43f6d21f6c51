import type { ServerEventMap, User } from '@roomcast/protocol';
import { afterEach, describe, expect, it } from 'vitest';
import type { Authorize } from '../auth/authorize.js';
import type { Config } from '../config.js';
import { startServer, TestClient, type TestServer } from '../testing/harness.js';

let server: TestServer | undefined;
const clients: TestClient[] = [];

async function start(config: Partial<Config>, authorize?: Authorize) {
  server = await startServer({ config, ...(authorize ? { authorize } : {}) });
  return server;
}

async function join(name: string, room: string, query: Record<string, string> = {}) {
  const client = await TestClient.connect((server as TestServer).ws, { name, room, ...query });
  const welcome = await client.next('welcome');
  clients.push(client);
  return Object.assign(client, { id: welcome.clientId, welcome });
}

afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close()));
  await server?.app.close();
  server = undefined;
});

async function memberCount(room: string): Promise<number> {
  const res = await fetch(`${server?.http}/rooms/${room}/members`);
  return ((await res.json()) as { memberCount: number }).memberCount;
}

const ids = (users: { id: string }[]) => users.map((u) => u.id).sort();

describe('a room over PRESENCE_EVENTS_MAX_MEMBERS', () => {
  it('announces no join or leave while over the limit, says so, and still lists and counts every member', async () => {
    await start({ PRESENCE_EVENTS_MAX_MEMBERS: 3 });
    const ann = await join('ann', 'big');
    expect(ann.welcome.presenceEvents).toEqual({ big: true });
    expect(ann.welcome.memberCounts).toEqual({ big: 1 });
    const bob = await join('bob', 'big');
    const cat = await join('cat', 'big');
    // The fourth takes the room over the limit: nobody hears of it, and its welcome says why.
    const dan = await join('dan', 'big');
    expect(dan.welcome.presenceEvents).toEqual({ big: false });
    expect(dan.welcome.memberCounts).toEqual({ big: 4 });
    expect(ids(dan.welcome.members.big ?? [])).toEqual(ids([ann, bob, cat, dan]));
    // Leaving a room of 4 is not announced either; leaving one of 3 is.
    await cat.close();
    await expect.poll(() => memberCount('big')).toBe(3);
    const left = bob.emit('leave', { room: 'big' }) as number;
    await bob.until(() => bob.unread().some((f) => f.event === 'ack' && f.data.id === left), 'the leave ack');

    await ann.sync();
    expect(ann.drain()).toEqual([
      { event: 'user:joined', data: { room: 'big', user: { id: bob.id, name: 'bob' } } },
      { event: 'user:joined', data: { room: 'big', user: { id: cat.id, name: 'cat' } } },
      { event: 'user:left', data: { room: 'big', user: { id: bob.id, name: 'bob' } } },
    ]);
    await dan.sync();
    expect(dan.drain()).toEqual([{ event: 'user:left', data: { room: 'big', user: { id: bob.id, name: 'bob' } } }]);

    const res = await fetch(`${server?.http}/rooms/big/members`);
    const listed = (await res.json()) as { members: User[]; memberCount: number };
    expect(listed.memberCount).toBe(2);
    expect(ids(listed.members)).toEqual(ids([ann, dan]));
  });

  it('answers a join of a room over the limit with presenceEvents false and the count (to clients that opted in)', async () => {
    await start({ PRESENCE_EVENTS_MAX_MEMBERS: 1 });
    const ann = await join('ann', 'big');
    // Acks carry the counts only for clients of the large-room protocol (older ones check acks strictly).
    const bob = await join('bob', 'lobby', { presence: 'diff' });
    const id = bob.emit('join', { room: 'big' }) as number;
    const ack = await bob.next('ack');
    expect(ack).toEqual({
      id,
      result: {
        room: 'big',
        members: expect.any(Array),
        memberCount: 2,
        presenceEvents: false,
        position: expect.any(Object),
      },
    });
    await ann.sync();
    expect(ann.drain()).toEqual([]);
  });
});

describe('member lists capped at MEMBER_LIST_MAX', () => {
  it('lists the joiner and MEMBER_LIST_MAX - 1 others, with the count; pages give every member exactly once', async () => {
    await start({ MEMBER_LIST_MAX: 3 });
    const all: (TestClient & { id: string })[] = [];
    for (let i = 0; i < 10; i++) all.push(await join(`u${i}`, 'room'));
    const last = all[9] as TestClient & { id: string; welcome: ServerEventMap['welcome'] };
    const listed = last.welcome.members.room ?? [];
    expect(listed).toHaveLength(3);
    expect(listed[0]).toEqual({ id: last.id, name: 'u9' });
    expect(last.welcome.memberCounts).toEqual({ room: 10 });

    // Over the WebSocket, from a connection that is not in the room.
    const reader = await join('reader', 'lobby');
    const pages: ServerEventMap['ack']['result'][] = [];
    let cursor: string | undefined;
    do {
      const id = reader.emit('members', { room: 'room', limit: 4, ...(cursor ? { cursor } : {}) }) as number;
      const ack = await reader.next('ack');
      expect(ack.id).toBe(id);
      pages.push(ack.result);
      cursor = 'nextCursor' in ack.result ? ack.result.nextCursor : undefined;
    } while (cursor !== undefined);
    expect(pages.map((p) => ('members' in p ? p.members.length : -1))).toEqual([4, 4, 2]);
    expect(pages.map((p) => ('memberCount' in p ? p.memberCount : -1))).toEqual([10, 10, 10]);
    const paged = pages.flatMap((p) => ('members' in p ? p.members : []));
    expect(ids(paged)).toEqual(ids(all));

    // Over HTTP, the same pages.
    const http: User[] = [];
    let next: string | undefined;
    let rounds = 0;
    do {
      const qs = new URLSearchParams({ limit: '4', ...(next ? { cursor: next } : {}) });
      const body = (await (await fetch(`${server?.http}/rooms/room/members?${qs}`)).json()) as {
        members: User[];
        memberCount: number;
        nextCursor?: string;
      };
      expect(body.memberCount).toBe(10);
      http.push(...body.members);
      next = body.nextCursor;
      rounds++;
    } while (next !== undefined);
    expect(rounds).toBe(3);
    expect(ids(http)).toEqual(ids(all));
  });

  it('keeps every member present throughout exactly once while others come and go between pages', async () => {
    await start({});
    const all: (TestClient & { id: string })[] = [];
    for (let i = 0; i < 6; i++) all.push(await join(`u${i}`, 'room'));
    const reader = await join('reader', 'lobby');
    reader.emit('members', { room: 'room', limit: 3 });
    const first = (await reader.next('ack')).result as ServerEventMap['ack']['result'] & { nextCursor: string };
    // One listed member leaves and a newcomer arrives before the next page.
    const gone = all.find((c) => 'members' in first && c.id === first.members[0]?.id) as TestClient;
    await gone.close();
    await join('new', 'room');
    reader.emit('members', { room: 'room', cursor: first.nextCursor, limit: 1000 });
    const second = (await reader.next('ack')).result;
    const seen = [...('members' in first ? first.members : []), ...('members' in second ? second.members : [])];
    const stayed = all.filter((c) => c !== gone).map((c) => c.id);
    expect(stayed).toHaveLength(5);
    for (const id of stayed) expect(seen.filter((u) => u.id === id)).toHaveLength(1);
  });

  it('refuses a page of a room the authorization decision does not let the connection read', async () => {
    await start({}, ({ room, action }) => !(action === 'read' && room === 'secret'));
    const ann = await join('ann', 'lobby');
    const id = ann.emit('members', { room: 'secret' }) as number;
    expect(await ann.next('error')).toEqual({ code: 'forbidden', message: 'Not allowed to read room "secret"', id });
  });
});

describe('presence:diff', () => {
  it('coalesces a window of joins into one frame for clients that asked, and per-event frames for the others', async () => {
    await start({ PRESENCE_DIFF_MS: 1500 });
    const diff = await join('diff', 'r', { presence: 'diff' });
    const old = await join('old', 'r');
    expect(await diff.next('presence:diff')).toEqual({ room: 'r', joined: [{ id: old.id, name: 'old' }], left: [] });
    const joiners = await Promise.all([1, 2, 3, 4, 5].map((i) => join(`j${i}`, 'r')));
    const frame = await diff.next('presence:diff');
    expect(frame.left).toEqual([]);
    expect(ids(frame.joined)).toEqual(ids(joiners));
    await diff.sync();
    expect(diff.drain()).toEqual([]);
    // The client that did not ask still gets one user:joined per joiner.
    await old.sync();
    const events = old.drain();
    expect(events.map((f) => f.event)).toEqual(Array(5).fill('user:joined'));
  });

  it('cancels a join and a leave of one connection within the window', async () => {
    await start({ PRESENCE_DIFF_MS: 1500 });
    const diff = await join('diff', 'r', { presence: 'diff' });
    const old = await join('old', 'r');
    await diff.next('presence:diff');
    const brief = await join('brief', 'r');
    await brief.close();
    await old.until(() => old.unread().some((f) => f.event === 'user:left'), 'the brief leave');
    const stays = await join('stays', 'r');
    expect(await diff.next('presence:diff')).toEqual({
      room: 'r',
      joined: [{ id: stays.id, name: 'stays' }],
      left: [],
    });
    await old.sync();
    expect(old.drain().map((f) => [f.event, 'user' in f.data ? f.data.user.name : ''])).toEqual([
      ['user:joined', 'brief'],
      ['user:left', 'brief'],
      ['user:joined', 'stays'],
    ]);
  });
});
