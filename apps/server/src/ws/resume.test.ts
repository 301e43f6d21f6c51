import type { Message, Welcome } from '@roomcast/protocol';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { MemoryAdapter, MemoryBus } from '../adapters/memory/index.js';
import type { Config } from '../config.js';
import { startServer, TestClient, type TestServer } from '../testing/harness.js';

const servers: TestServer[] = [];
const clients: TestClient[] = [];

afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close()));
  await Promise.all(servers.splice(0).map((s) => s.app.close()));
});

async function node(config: Partial<Config> = {}, bus?: MemoryBus): Promise<TestServer> {
  const s = await startServer({ config, ...(bus ? { adapter: new MemoryAdapter(bus) } : {}) });
  servers.push(s);
  return s;
}

async function arrive(url: string, query: Record<string, string>): Promise<TestClient & { welcome: Welcome }> {
  const c = await TestClient.connect(url, query);
  clients.push(c);
  return Object.assign(c, { welcome: await c.next('welcome') });
}

const messagesOf = (c: TestClient): Message[] => c.frames.flatMap((f) => (f.event === 'message' ? [f.data] : []));

/** Cuts a client's TCP connection without a close frame, as a phone losing its network does. */
function drop(c: TestClient): void {
  c.socket.terminate();
}

async function say(c: TestClient, room: string, texts: string[]): Promise<void> {
  for (const text of texts) {
    c.emit('send', { room, text });
    await c.until(() => c.frames.some((f) => f.event === 'message' && f.data.text === text), `"${text}"`);
  }
}

function resumeQuery(w: Welcome, room: string, seq: number): Record<string, string> {
  const epoch = w.positions?.[room]?.epoch as string;
  return { resume: w.resumeToken as string, positions: JSON.stringify({ [room]: { epoch, seq } }) };
}

describe('welcome', () => {
  it('hands out a resume token and each room position', async () => {
    const s = await node();
    const ann = await arrive(s.ws, { name: 'ann', room: 'r1' });
    expect(ann.welcome.resumeToken).toMatch(/^[A-Za-z0-9_-]{32}$/);
    expect(ann.welcome.resumeWindowMs).toBe(120_000);
    expect(ann.welcome.positions).toEqual({ r1: { epoch: expect.any(String), seq: 0 } });
    expect(ann.welcome.resumed).toBeUndefined();
  });
});

describe('resume', () => {
  it('on the same node: same identity and rooms, every missed message once and in order, then live', async () => {
    const s = await node({ PRESENCE_GRACE_MS: 10_000 });
    const ann = await arrive(s.ws, { name: 'ann', room: 'r1' });
    const bob = await arrive(s.ws, { name: 'bob', room: 'r1' });
    await say(bob, 'r1', ['m1']);
    await ann.until(() => messagesOf(ann).length === 1, 'm1');
    drop(ann);
    await say(bob, 'r1', ['m2', 'm3', 'm4']);

    const back = await arrive(s.ws, { name: 'ann', ...resumeQuery(ann.welcome, 'r1', 1) });
    expect(back.welcome).toMatchObject({ clientId: ann.welcome.clientId, name: 'ann', rooms: ['r1'], resumed: true });
    expect(back.welcome.recovery).toEqual({ r1: { recovered: true, position: { epoch: expect.any(String), seq: 4 } } });
    expect(back.welcome.resumeToken).not.toBe(ann.welcome.resumeToken);
    await say(bob, 'r1', ['m5']);
    await back.until(() => messagesOf(back).length === 4, 'the replay and m5');
    expect(messagesOf(back).map((m) => [m.seq, m.text])).toEqual([
      [2, 'm2'],
      [3, 'm3'],
      [4, 'm4'],
      [5, 'm5'],
    ]);
    // Within the grace nobody saw ann go or come back.
    await bob.sync();
    expect(bob.frames.filter((f) => f.event === 'user:left' || f.event === 'user:joined')).toEqual([]);
  });

  it('on another node of the cluster, while messages keep coming: no gap, no duplicate', async () => {
    const bus = new MemoryBus();
    const a = await node({ PRESENCE_GRACE_MS: 10_000 }, bus);
    const b = await node({ PRESENCE_GRACE_MS: 10_000 }, bus);
    const ann = await arrive(a.ws, { name: 'ann', room: 'r1' });
    const bob = await arrive(a.ws, { name: 'bob', room: 'r1' });
    drop(ann);
    await say(bob, 'r1', ['m1', 'm2']);
    // Keep talking while ann comes back on node b.
    const talking = say(bob, 'r1', ['m3', 'm4', 'm5', 'm6']);
    const back = await arrive(b.ws, resumeQuery(ann.welcome, 'r1', 0));
    await talking;
    await back.until(() => messagesOf(back).length === 6, 'six messages');
    await back.sync();
    expect(messagesOf(back).map((m) => m.seq)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(back.welcome).toMatchObject({ clientId: ann.welcome.clientId, resumed: true });
    const members = (await (await fetch(`${b.http}/rooms/r1/members`)).json()) as { members: { name: string }[] };
    expect(members.members.map((m) => m.name).sort()).toEqual(['ann', 'bob']);
  });

  it('says exactly what is gone when the history no longer covers the gap', async () => {
    const s = await node({ PRESENCE_GRACE_MS: 10_000, HISTORY_SIZE: 2 });
    const ann = await arrive(s.ws, { name: 'ann', room: 'r1' });
    const bob = await arrive(s.ws, { name: 'bob', room: 'r1' });
    drop(ann);
    await say(bob, 'r1', ['m1', 'm2', 'm3', 'm4', 'm5']);
    const back = await arrive(s.ws, resumeQuery(ann.welcome, 'r1', 0));
    expect(back.welcome.recovery).toEqual({
      r1: {
        recovered: false,
        position: { epoch: ann.welcome.positions?.r1?.epoch, seq: 5 },
        missing: { from: 1, to: 3 },
      },
    });
    await back.until(() => messagesOf(back).length === 2, 'what is left');
    expect(messagesOf(back).map((m) => m.seq)).toEqual([4, 5]);
  });

  it('tells a client its position is from an older life of the room', async () => {
    const bus = new MemoryBus({ retainEmptied: 0 });
    const s = await node({ PRESENCE_GRACE_MS: 0 }, bus);
    const ann = await arrive(s.ws, { name: 'ann', room: 'r1' });
    await say(ann, 'r1', ['m1']);
    await ann.close();
    await ann.until(() => s.app.hub.connections.size === 0, 'the room to empty');
    // The room's counter and history were retired: a new epoch.
    const back = await arrive(s.ws, resumeQuery(ann.welcome, 'r1', 1));
    expect(back.welcome.resumed).toBe(true);
    const r1 = back.welcome.recovery?.r1;
    expect(r1?.recovered).toBe(false);
    expect(r1?.position.epoch).not.toBe(ann.welcome.positions?.r1?.epoch);
  });

  it('is announced as joined again after the grace, and still recovers its messages', async () => {
    const s = await node({ PRESENCE_GRACE_MS: 50 });
    const ann = await arrive(s.ws, { name: 'ann', room: 'r1' });
    const bob = await arrive(s.ws, { name: 'bob', room: 'r1' });
    drop(ann);
    const user = { id: ann.welcome.clientId, name: 'ann' };
    expect(await bob.next('user:left')).toEqual({ room: 'r1', user });
    await say(bob, 'r1', ['while away']);
    const back = await arrive(s.ws, resumeQuery(ann.welcome, 'r1', 0));
    expect(await bob.next('message')).toMatchObject({ text: 'while away' });
    await bob.next('ack');
    expect(await bob.next('user:joined')).toEqual({ room: 'r1', user });
    await back.until(() => messagesOf(back).length === 1, 'the missed message');
    expect(messagesOf(back)[0]).toMatchObject({ seq: 1, text: 'while away' });
  });

  it('accepts a token once; a second use starts a new connection', async () => {
    const s = await node();
    const ann = await arrive(s.ws, { name: 'ann', room: 'r1' });
    drop(ann);
    const query = resumeQuery(ann.welcome, 'r1', 0);
    const first = await arrive(s.ws, query);
    const second = await arrive(s.ws, { ...query, name: 'eve' });
    expect(first.welcome.resumed).toBe(true);
    expect(second.welcome).toMatchObject({ resumed: false, name: 'eve', rooms: ['lobby'] });
    expect(second.welcome.clientId).not.toBe(ann.welcome.clientId);
  });

  it('while the old socket still looks open: the new one takes over, the old one is closed with 1001', async () => {
    const s = await node({ PRESENCE_GRACE_MS: 10_000 });
    const ann = await arrive(s.ws, { name: 'ann', room: 'r1' });
    const bob = await arrive(s.ws, { name: 'bob', room: 'r1' });
    await ann.next('user:joined');
    // A phone on a new network resumes before the server has noticed the old one is gone.
    const back = await arrive(s.ws, resumeQuery(ann.welcome, 'r1', 0));
    expect(back.welcome).toMatchObject({ clientId: ann.welcome.clientId, resumed: true, rooms: ['r1'] });
    expect((await ann.waitClosed()).code).toBe(1001);
    const health = (await (await fetch(`${s.http}/healthz`)).json()) as { connections: number };
    expect(health.connections).toBe(2);
    back.emit('send', { room: 'r1', text: 'on the new socket' }, false);
    for (const c of [back, bob]) expect(await c.next('message')).toMatchObject({ text: 'on the new socket' });
    // Bob saw no left/joined pair: ann never left.
    await bob.sync();
    expect(bob.unread()).toEqual([]);
  });

  it('refuses a malformed positions parameter before the upgrade', async () => {
    const s = await node();
    const url = `${s.ws}?positions=${encodeURIComponent('{"r1":{"seq":-1}}')}`;
    const refused = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const ws = new WebSocket(url);
      ws.on('unexpected-response', (_req, res) => {
        let body = '';
        res.on('data', (chunk: Buffer) => {
          body += chunk.toString();
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      });
      ws.on('open', () => reject(new Error('upgrade should have been refused')));
    });
    expect(refused.status).toBe(400);
    expect((JSON.parse(refused.body) as { message: string }).message).toMatch(/^querystring\/positions\/r1/);
  });
});

describe('join with since', () => {
  it('replays what the room said after the position, after the ack and before live traffic', async () => {
    const s = await node();
    const bob = await arrive(s.ws, { name: 'bob', room: 'r1' });
    await say(bob, 'r1', ['m1', 'm2', 'm3']);
    const cat = await arrive(s.ws, { name: 'cat', room: 'lobby' });
    const epoch = bob.welcome.positions?.r1?.epoch as string;
    const id = cat.emit('join', { room: 'r1', since: { epoch, seq: 1 } });
    const ack = await cat.next('ack');
    expect(ack).toEqual({
      id,
      result: {
        room: 'r1',
        members: expect.any(Array),
        position: { epoch, seq: 3 },
        recovery: { recovered: true, position: { epoch, seq: 3 } },
      },
    });
    expect((await cat.next('message')).seq).toBe(2);
    expect((await cat.next('message')).seq).toBe(3);
    await cat.sync();
    expect(cat.unread()).toEqual([]);
  });
});

describe('order across nodes', () => {
  it('gives every member strictly increasing seq with no gap while two nodes send as fast as they can', async () => {
    const bus = new MemoryBus();
    const a = await node({ RATE_LIMIT_BURST: 1000, RATE_LIMIT_PER_SEC: 100_000 }, bus);
    const b = await node({ RATE_LIMIT_BURST: 1000, RATE_LIMIT_PER_SEC: 100_000 }, bus);
    const ann = await arrive(a.ws, { name: 'ann', room: 'x' });
    const bob = await arrive(b.ws, { name: 'bob', room: 'x' });
    const per = 200;
    for (let i = 0; i < per; i++) {
      ann.emit('send', { room: 'x', text: `a${i}` }, false);
      bob.emit('send', { room: 'x', text: `b${i}` }, false);
    }
    for (const c of [ann, bob]) {
      await c.until(() => messagesOf(c).length === 2 * per, 'every message', 10_000);
      expect(messagesOf(c).map((m) => m.seq)).toEqual(Array.from({ length: 2 * per }, (_, i) => i + 1));
    }
  });
});
