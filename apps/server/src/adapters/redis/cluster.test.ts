import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import type { ServerFrame } from '@roomcast/protocol';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Config } from '../../config.js';
import { startServer, TestClient, type TestServer } from '../../testing/harness.js';
import { startRedis, type TestRedis, testPrefix } from '../../testing/redis.js';
import { createRedisAdapter } from './index.js';

// Several real servers on one real Redis: every guarantee of one node must hold across them.
let redis: TestRedis;
const servers: TestServer[] = [];
const clients: TestClient[] = [];
const procs: ChildProcess[] = [];

beforeAll(async () => {
  redis = await startRedis({ own: true });
});
afterAll(async () => {
  await redis?.close();
});
afterEach(async () => {
  for (const p of procs.splice(0)) p.kill('SIGKILL');
  await Promise.all(clients.splice(0).map((c) => c.close()));
  await Promise.all(servers.splice(0).map((s) => s.app.close()));
});

/** `nodeTtlMs` is short only where a test waits for a sweep: a loaded machine can stall a heartbeat. */
async function cluster(n: number, config: Partial<Config> = {}, url = () => redis.url, nodeTtlMs = 10_000) {
  const prefix = testPrefix('cluster');
  const nodes: TestServer[] = [];
  for (let i = 0; i < n; i++) {
    const adapter = createRedisAdapter({
      url: url(),
      prefix,
      historySize: config.HISTORY_SIZE ?? 1000,
      nodeTtlMs,
    });
    const server = await startServer({ adapter, config });
    servers.push(server);
    nodes.push(server);
  }
  return { nodes, prefix };
}

async function join(url: string, name: string, room = 'x', query: Record<string, string> = {}) {
  const client = await TestClient.connect(url, { name, room, ...query });
  clients.push(client);
  const welcome = await client.next('welcome');
  return Object.assign(client, { id: welcome.clientId, welcome });
}

const main = fileURLToPath(new URL('../../main.ts', import.meta.url));

/** A node as `pnpm start` runs it, from source, in its own process (so it can be SIGKILLed). */
async function spawnNode(env: Record<string, string>): Promise<{ child: ChildProcess; ws: string }> {
  const child = spawn(process.execPath, ['--conditions=@roomcast/source', '--import', 'tsx', main], {
    cwd: fileURLToPath(new URL('../../..', import.meta.url)),
    env: { ...process.env, PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  procs.push(child);
  let out = '';
  const ws = await new Promise<string>((resolve, reject) => {
    const onData = (d: Buffer) => {
      out += d;
      const match = /WebSocket(?: at|:) (ws:\/\/[^\s"]+)/.exec(out);
      if (match?.[1]) resolve(match[1]);
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('exit', () => reject(new Error(`node exited before ready:\n${out}`)));
  });
  return { child, ws };
}

const messages = (frames: ServerFrame[]) => frames.flatMap((f) => (f.event === 'message' ? [f.data] : []));
const events = (frames: ServerFrame[]) => frames.map((f) => f.event);

// Generous bounds: the test machine is shared and often loaded; they only cap a failure.
describe('several nodes on one Redis', { timeout: 30_000 }, () => {
  it('carries every event across nodes: welcome members, joined, message then ack, left, members endpoint', async () => {
    const {
      nodes: [a, b],
    } = await cluster(2);
    if (!a || !b) throw new Error('two nodes');
    const ann = await join(a.ws, 'ann');
    const bob = await join(b.ws, 'bob');
    expect(bob.welcome.members.x?.map((u) => u.name).sort()).toEqual(['ann', 'bob']);
    expect(await ann.next('user:joined')).toEqual({ room: 'x', user: { id: bob.id, name: 'bob' } });

    const id = ann.emit('send', { room: 'x', text: 'hello' });
    const own = await ann.next('message');
    expect(own).toMatchObject({ room: 'x', seq: 1, text: 'hello', from: { id: ann.id, name: 'ann' } });
    expect(await ann.next('ack')).toEqual({ id, result: { room: 'x', seq: 1 } });
    expect(await bob.next('message')).toEqual(own);

    const res = await fetch(`${a.http}/rooms/x/members`);
    const body = (await res.json()) as { members: { name: string }[] };
    expect(body.members.map((m) => m.name).sort()).toEqual(['ann', 'bob']);

    bob.emit('leave', { room: 'x' });
    expect((await bob.next('ack')).result).toEqual({ room: 'x' });
    expect(await ann.next('user:left')).toEqual({ room: 'x', user: { id: bob.id, name: 'bob' } });
    await ann.sync();
    await bob.sync();
    expect(ann.drain()).toEqual([]);
    expect(bob.drain()).toEqual([]);
  });

  it('gives every member of every node one order when three nodes send at once', async () => {
    const { nodes } = await cluster(3);
    const people = [];
    for (const [i, node] of nodes.entries()) people.push(await join(node.ws, `p${i}`));
    const perSender = 30;
    for (let k = 0; k < perSender; k++) for (const p of people) p.emit('send', { room: 'x', text: `${p.id}:${k}` });
    const total = perSender * people.length;
    for (const p of people) await p.until(() => messages(p.frames).length === total, `${total} messages`, 20_000);
    const reference = messages(people[0]?.frames ?? []).map((m) => `${m.seq}/${m.text}`);
    expect(reference).toHaveLength(total);
    expect(messages(people[0]?.frames ?? []).map((m) => m.seq)).toEqual(Array.from({ length: total }, (_, i) => i + 1));
    for (const p of people) expect(messages(p.frames).map((m) => `${m.seq}/${m.text}`)).toEqual(reference);
    // Each sender's own messages stay in the order it sent them.
    for (const p of people) {
      const mine = messages(p.frames).filter((m) => m.from.id === p.id);
      expect(mine.map((m) => m.text)).toEqual(Array.from({ length: perSender }, (_, k) => `${p.id}:${k}`));
    }
  }, 30_000);

  it('replays across nodes on join with since: everything when the history covers it, the exact hole when not', async () => {
    const {
      nodes: [a, b],
    } = await cluster(2, { HISTORY_SIZE: 3 });
    if (!a || !b) throw new Error('two nodes');
    const ann = await join(a.ws, 'ann');
    const epoch = (ann.welcome.positions?.x ?? { epoch: '' }).epoch;
    for (let i = 1; i <= 5; i++) {
      const id = ann.emit('send', { room: 'x', text: `m${i}` });
      await ann.until(() => ann.frames.some((f) => f.event === 'ack' && f.data.id === id), `ack ${i}`);
    }
    const near = await join(b.ws, 'near', 'lobby');
    const id1 = near.emit('join', { room: 'x', since: { epoch, seq: 3 } });
    const ack1 = await near.next('ack');
    expect(ack1).toMatchObject({
      id: id1,
      result: { room: 'x', position: { epoch, seq: 5 }, recovery: { recovered: true, position: { epoch, seq: 5 } } },
    });
    await near.until(() => messages(near.frames).length === 2, 'the replay');
    expect(messages(near.frames).map((m) => m.text)).toEqual(['m4', 'm5']);

    const far = await join(b.ws, 'far', 'lobby');
    far.emit('join', { room: 'x', since: { epoch, seq: 0 } });
    expect((await far.next('ack')).result).toMatchObject({
      recovery: { recovered: false, position: { epoch, seq: 5 }, missing: { from: 1, to: 2 } },
    });
    await far.until(() => messages(far.frames).length === 3, 'what is left');
    expect(messages(far.frames).map((m) => m.seq)).toEqual([3, 4, 5]);
  });

  it('resumes on another node within the grace: every missed message once, in order, and no left/joined pair', async () => {
    const {
      nodes: [a, b],
    } = await cluster(2, { PRESENCE_GRACE_MS: 60_000 });
    if (!a || !b) throw new Error('two nodes');
    const ann = await join(a.ws, 'ann');
    const bob = await join(b.ws, 'bob');
    await ann.next('user:joined');
    bob.emit('send', { room: 'x', text: 'seen' });
    const seen = await ann.next('message');
    ann.socket.terminate(); // no close frame: a dropped connection
    await ann.waitClosed();
    for (let i = 1; i <= 4; i++) bob.emit('send', { room: 'x', text: `missed${i}` });
    await bob.until(() => messages(bob.frames).length === 5, 'bob has all five');

    const token = ann.welcome.resumeToken as string;
    const positions = JSON.stringify({ x: { epoch: ann.welcome.positions?.x?.epoch, seq: seen.seq } });
    const back = await join(b.ws, 'ann', 'x', { resume: token, positions });
    expect(back.id).toBe(ann.id);
    expect(back.welcome.resumed).toBe(true);
    expect(back.welcome.recovery?.x).toMatchObject({ recovered: true });
    await back.until(() => messages(back.frames).length === 4, 'the four missed');
    expect(messages(back.frames).map((m) => m.text)).toEqual(['missed1', 'missed2', 'missed3', 'missed4']);
    bob.emit('send', { room: 'x', text: 'live' });
    await back.until(() => messages(back.frames).length === 5, 'live traffic after the replay');
    expect(messages(back.frames).map((m) => m.seq)).toEqual([2, 3, 4, 5, 6]);

    // The old node shuts down: its grace timers go, and the entry it no longer owns stays.
    await a.app.close();
    await bob.sync();
    expect(events(bob.drain()).filter((e) => e.startsWith('user:'))).toEqual([]);
    const res = await fetch(`${b.http}/rooms/x/members`);
    expect(((await res.json()) as { members: { name: string }[] }).members.map((m) => m.name).sort()).toEqual([
      'ann',
      'bob',
    ]);
  });

  it('announces the members of a SIGKILLed node gone on every other node within 1.2 x NODE_TTL_MS; the rest go on', async () => {
    const {
      nodes: [a, b],
      prefix,
    } = await cluster(2, {}, () => redis.url, 2000);
    if (!a || !b) throw new Error('two nodes');
    const doomed = await spawnNode({ REDIS_URL: redis.url, REDIS_PREFIX: prefix, NODE_TTL_MS: '2000' });
    const ann = await join(a.ws, 'ann');
    const bob = await join(b.ws, 'bob');
    await ann.next('user:joined');
    const cat = await join(doomed.ws, 'cat');
    expect(cat.welcome.members.x?.map((u) => u.name).sort()).toEqual(['ann', 'bob', 'cat']);
    for (const c of [ann, bob]) expect((await c.next('user:joined')).user.name).toBe('cat');

    const killedAt = Date.now();
    doomed.child.kill('SIGKILL');
    await once(doomed.child, 'exit');
    for (const c of [ann, bob]) {
      await c.until(() => c.unread().length > 0, 'the departure', 20_000);
      expect(await c.next('user:left')).toEqual({ room: 'x', user: { id: cat.id, name: 'cat' } });
    }
    // 1.2 x the ttl is the design bound (the adapter test checks it closely); the slack here is
    // for a loaded test machine, where timers and a spawned node's exit run late.
    expect(Date.now() - killedAt).toBeLessThan(2400 + 8000);
    const res = await fetch(`${a.http}/rooms/x/members`);
    expect(((await res.json()) as { members: { name: string }[] }).members.map((m) => m.name).sort()).toEqual([
      'ann',
      'bob',
    ]);
    ann.emit('send', { room: 'x', text: 'still here' });
    expect((await bob.next('message')).text).toBe('still here');
    await bob.sync();
    expect(bob.drain()).toEqual([]);
  }, 60_000);

  it('survives Redis stopping and coming back empty mid-traffic: unavailable while down, seq never goes back, a new epoch', async () => {
    const own = await startRedis({ own: true });
    try {
      const {
        nodes: [a, b],
      } = await cluster(2, {}, () => own.url);
      if (!a || !b) throw new Error('two nodes');
      const ann = await join(a.ws, 'ann');
      const bob = await join(b.ws, 'bob');
      await ann.next('user:joined');
      const before = ann.welcome.positions?.x?.epoch;
      for (let i = 1; i <= 3; i++) ann.emit('send', { room: 'x', text: `m${i}` }, false);
      await bob.until(() => messages(bob.frames).length === 3, 'three messages');

      const node = a.app.hub.adapter.node;
      expect(await (await fetch(`${a.http}/readyz`)).json()).toEqual({ status: 'ready', adapter: 'redis', node });
      await own.stop();
      await ann.until(() => !a.app.hub.adapter.ready(), 'node a not ready', 10_000);
      const readyz = await fetch(`${a.http}/readyz`);
      expect(readyz.status).toBe(503);
      expect(await readyz.json()).toEqual({ status: 'not_ready', reason: 'adapter', adapter: 'redis', node });
      const post = await fetch(`${a.http}/rooms/x/messages`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ text: 'from the backend' }),
      });
      expect(post.status).toBe(503);
      expect(await post.json()).toMatchObject({ statusCode: 503, code: 'unavailable' });
      const id = ann.emit('send', { room: 'x', text: 'while down' });
      await ann.until(() => ann.frames.some((f) => f.event === 'error' && f.data.id === id), 'the refusal');
      expect(ann.frames.find((f) => f.event === 'error' && f.data.id === id)?.data).toMatchObject({
        code: 'unavailable',
        id,
      });

      await own.restart();
      await ann.until(() => a.app.hub.adapter.ready() && b.app.hub.adapter.ready(), 'ready again', 15_000);
      expect((await fetch(`${b.http}/readyz`)).status).toBe(200);
      const again = ann.emit('send', { room: 'x', text: 'after' });
      await ann.until(() => ann.frames.some((f) => f.event === 'ack' && f.data.id === again), 'the ack', 10_000);
      for (const c of [ann, bob]) {
        await c.until(() => messages(c.frames).length === 4, 'the message after the restart');
        expect(messages(c.frames).map((m) => [m.seq, m.text])).toEqual([
          [1, 'm1'],
          [2, 'm2'],
          [3, 'm3'],
          [4, 'after'],
        ]);
      }
      // A newcomer learns the room's new life: same seq line, another epoch.
      const carl = await join(b.ws, 'carl');
      expect(carl.welcome.positions?.x?.seq).toBe(4);
      expect(carl.welcome.positions?.x?.epoch).not.toBe(before);
      // Both processes are still serving.
      expect((await fetch(`${a.http}/healthz`)).status).toBe(200);
      expect((await fetch(`${b.http}/healthz`)).status).toBe(200);
    } finally {
      await own.close();
    }
  }, 40_000);
});
