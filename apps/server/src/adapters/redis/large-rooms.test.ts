import type { ServerEventMap } from '@roomcast/protocol';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Config } from '../../config.js';
import { startServer, TestClient, type TestServer } from '../../testing/harness.js';
import { startRedis, type TestRedis, testPrefix } from '../../testing/redis.js';
import { createRedisAdapter } from './index.js';

// The large-room rules with presence across two nodes on one real Redis.
let redis: TestRedis;
const servers: TestServer[] = [];
const clients: TestClient[] = [];

beforeAll(async () => {
  redis = await startRedis({ own: true });
});
afterAll(async () => {
  await redis?.close();
});
afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close()));
  await Promise.all(servers.splice(0).map((s) => s.app.close()));
});

async function twoNodes(config: Partial<Config>): Promise<TestServer[]> {
  const prefix = testPrefix('large');
  for (let i = 0; i < 2; i++) {
    const adapter = createRedisAdapter({ url: redis.url, prefix, historySize: 1000, nodeTtlMs: 10_000 });
    servers.push(await startServer({ adapter, config }));
  }
  return servers;
}

async function join(server: TestServer, name: string, room: string, query: Record<string, string> = {}) {
  const client = await TestClient.connect(server.ws, { name, room, ...query });
  clients.push(client);
  const welcome = await client.next('welcome');
  return Object.assign(client, { id: welcome.clientId, welcome });
}

const ids = (users: { id: string }[]) => users.map((u) => u.id).sort();

describe('large rooms across nodes (Redis)', () => {
  it('counts, caps, pages and stops announcing by the room size across the cluster', async () => {
    const [a, b] = (await twoNodes({ PRESENCE_EVENTS_MAX_MEMBERS: 3, MEMBER_LIST_MAX: 2 })) as [TestServer, TestServer];
    const ann = await join(a, 'ann', 'big');
    const bob = await join(b, 'bob', 'big');
    expect((await ann.next('user:joined')).user.name).toBe('bob');
    const cat = await join(a, 'cat', 'big');
    expect((await ann.next('user:joined')).user.name).toBe('cat');
    expect((await bob.next('user:joined')).user.name).toBe('cat');
    const dan = await join(b, 'dan', 'big');
    expect(dan.welcome.memberCounts).toEqual({ big: 4 });
    expect(dan.welcome.presenceEvents).toEqual({ big: false });
    expect(dan.welcome.members.big).toHaveLength(2);
    expect(dan.welcome.members.big?.[0]?.id).toBe(dan.id);

    const pages: ServerEventMap['ack']['result'][] = [];
    let cursor: string | undefined;
    do {
      ann.emit('members', { room: 'big', limit: 3, ...(cursor ? { cursor } : {}) });
      const { result } = await ann.next('ack');
      pages.push(result);
      cursor = 'nextCursor' in result ? result.nextCursor : undefined;
    } while (cursor !== undefined);
    expect(pages.map((p) => ('memberCount' in p ? p.memberCount : -1))).toEqual([4, 4]);
    expect(ids(pages.flatMap((p) => ('members' in p ? p.members : [])))).toEqual(ids([ann, bob, cat, dan]));

    // Dan's join (over the limit) reached nobody on either node: its message, on the same
    // channel and after it, is all that arrived.
    dan.emit('send', { room: 'big', text: 'after my join' }, false);
    for (const member of [ann, bob, cat]) {
      await member.until(() => member.unread().some((f) => f.event === 'message'), "dan's message");
      expect(member.drain().map((f) => f.event)).toEqual(['message']);
    }
  });

  it('coalesces joins made on another node into one presence:diff', async () => {
    const [a, b] = (await twoNodes({ PRESENCE_DIFF_MS: 1500 })) as [TestServer, TestServer];
    const eve = await join(a, 'eve', 'd', { presence: 'diff' });
    const joiners = await Promise.all(['f1', 'f2', 'f3'].map((n) => join(b, n, 'd')));
    const diff = await eve.next('presence:diff');
    expect(diff.left).toEqual([]);
    expect(ids(diff.joined)).toEqual(ids(joiners));
    await eve.sync();
    expect(eve.drain()).toEqual([]);
  });
});
