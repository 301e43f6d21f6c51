import { createClient, type RoomcastClient } from '@roomcast/client';
import { next, record } from '@roomcast/client/testing';
import type { User } from '@roomcast/protocol';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { TestClient } from '../testing/harness.js';
import { startServer, type TestServer } from './server.js';

let server: TestServer | undefined;
const clients: RoomcastClient[] = [];
const raw: TestClient[] = [];

function connect(name: string, room: string): RoomcastClient {
  const client = createClient({ url: (server as TestServer).url, name, room, WebSocket });
  clients.push(client);
  return client;
}

async function rawJoin(name: string, room: string): Promise<TestClient & { id: string }> {
  const client = await TestClient.join((server as TestServer).url, name, room);
  raw.push(client);
  return client;
}

afterEach(async () => {
  for (const client of clients.splice(0)) client.close();
  await Promise.all(raw.splice(0).map((c) => c.close()));
  await server?.app.close();
  server = undefined;
});

const names = (users: User[]) => users.map((u) => u.name).sort();

describe('the SDK in a large room', () => {
  it('keeps its member view right over presence:diff, and still emits user:joined / user:left', async () => {
    server = await startServer({ PRESENCE_DIFF_MS: 1500 });
    const ada = connect('ada', 'r');
    await ada.ready();
    const presence = record(ada, 'presence');
    const joinedEvents = record(ada, 'user:joined');
    const leftEvents = record(ada, 'user:left');
    const arrived = next(ada, 'presence');
    const others = await Promise.all(['b1', 'b2', 'b3', 'b4'].map((n) => rawJoin(n, 'r')));
    await arrived;
    // One diff: one presence update for four joins, and the four events the application always had.
    expect(presence).toHaveLength(1);
    expect(names(ada.members('r'))).toEqual(['ada', 'b1', 'b2', 'b3', 'b4']);
    expect(ada.memberCount('r')).toBe(5);
    expect(joinedEvents.map((e) => e.user.name).sort()).toEqual(['b1', 'b2', 'b3', 'b4']);

    const gone = next(ada, 'presence');
    await Promise.all(others.slice(0, 2).map((c) => c.close()));
    await gone;
    expect(names(ada.members('r'))).toEqual(['ada', 'b3', 'b4']);
    expect(ada.memberCount('r')).toBe(3);
    expect(leftEvents.map((e) => e.user.name).sort()).toEqual(['b1', 'b2']);
  });

  it('starts from a capped list and the count, and pages the rest with fetchMembers', async () => {
    server = await startServer({ MEMBER_LIST_MAX: 2, PRESENCE_DIFF_MS: 20 });
    for (const n of ['m1', 'm2', 'm3', 'm4', 'm5']) await rawJoin(n, 'r');
    const ada = connect('ada', 'r');
    const welcome = await ada.ready();
    expect(welcome.memberCounts).toEqual({ r: 6 });
    expect(ada.members('r')).toHaveLength(2);
    expect(ada.members('r')[0]?.name).toBe('ada');
    expect(ada.memberCount('r')).toBe(6);

    const arrived = next(ada, 'presence');
    await rawJoin('m6', 'r');
    await arrived;
    expect(ada.memberCount('r')).toBe(7);
    expect(ada.members('r')).toHaveLength(3);

    const first = await ada.fetchMembers('r', { limit: 4 });
    expect(first.members).toHaveLength(4);
    expect(first.memberCount).toBe(7);
    const rest = await ada.fetchMembers('r', { cursor: first.nextCursor as string });
    expect(rest.nextCursor).toBeUndefined();
    expect(names([...first.members, ...rest.members])).toEqual(['ada', 'm1', 'm2', 'm3', 'm4', 'm5', 'm6']);
  });
});
