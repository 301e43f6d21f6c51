import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import { get } from 'node:http';
import { fileURLToPath } from 'node:url';
import type { Message, ServerFrame, Welcome } from '@roomcast/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestClient } from '../testing/harness.js';
import { startRedis, type TestRedis, testPrefix } from '../testing/redis.js';

// The real entry point from source (as main.test.ts runs it); cluster.fork gives each worker the
// same loader flags, so the workers run from source too.
const main = fileURLToPath(new URL('../main.ts', import.meta.url));
const crashLoopPrimary = fileURLToPath(new URL('../testing/crash-loop-primary.ts', import.meta.url));
const cwd = fileURLToPath(new URL('../..', import.meta.url));

interface Cluster {
  child: ChildProcess;
  ws: string;
  http: string;
  exited: Promise<[number | null, string | null]>;
  output: () => string;
}

function spawnMain(env: Record<string, string>, entry = main) {
  const child = spawn(process.execPath, ['--conditions=@roomcast/source', '--import', 'tsx', entry], {
    cwd,
    env: { ...process.env, PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'info', LOG_FORMAT: 'json', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  const read = (d: Buffer) => {
    out += d;
  };
  child.stdout.on('data', read);
  child.stderr.on('data', read);
  const exited = once(child, 'exit') as Promise<[number | null, string | null]>;
  return { child, exited, output: () => out };
}

async function startCluster(env: Record<string, string>): Promise<Cluster> {
  const { child, exited, output } = spawnMain(env);
  const ws = await new Promise<string>((resolve, reject) => {
    const check = () => {
      const match = /WebSocket: (ws:\/\/[^\s"]+)/.exec(output());
      if (match?.[1]) resolve(match[1]);
    };
    child.stdout.on('data', check);
    exited.then(() => reject(new Error(`exited before ready:\n${output()}`)));
  });
  return { child, ws, http: ws.replace(/^ws/, 'http').replace(/\/ws$/, ''), exited, output };
}

type Arrived = TestClient & { welcome: Welcome };
const clients: TestClient[] = [];

async function arrive(url: string, query: Record<string, string>): Promise<Arrived> {
  const c = await TestClient.connect(url, query);
  clients.push(c);
  return Object.assign(c, { welcome: await c.next('welcome') });
}

const messagesOf = (c: TestClient): Message[] => c.frames.flatMap((f) => (f.event === 'message' ? [f.data] : []));
const presenceOf = (c: TestClient) =>
  c.frames.flatMap((f) => (f.event === 'user:joined' || f.event === 'user:left' ? [[f.event, f.data.user.name]] : []));
const workerPids = (primary: ChildProcess): number[] =>
  execFileSync('pgrep', ['-P', String(primary.pid), '-f', 'main.ts'], { encoding: 'utf8' })
    .trim()
    .split('\n')
    .map(Number)
    .sort();

/** A GET on a connection of its own (no keep-alive), so successive calls go to the workers in turn. */
function fresh(url: string): Promise<string> {
  return new Promise((resolve, reject) => {
    get(url, { agent: false }, (res) => {
      let body = '';
      res.on('data', (d) => {
        body += d;
      });
      res.on('end', () => resolve(body));
    }).on('error', reject);
  });
}

async function waitFor(what: string, predicate: () => boolean, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  // Polls process state (logs, child processes) that no event announces to the test.
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('WORKERS=2: two processes on one port, one cluster on the in-host bus', () => {
  let c: Cluster;
  beforeAll(async () => {
    c = await startCluster({ WORKERS: '2', PRESENCE_GRACE_MS: '10000' });
  }, 30_000);
  afterAll(async () => {
    await Promise.all(clients.splice(0).map((x) => x.close()));
    c?.child.kill('SIGKILL');
  });

  it('hands connections to both workers; messages cross them in one seq order, each ack after its own message; presence spans both', async () => {
    const ann = await arrive(c.ws, { name: 'ann', room: 'cross' });
    const bob = await arrive(c.ws, { name: 'bob', room: 'cross' });
    expect(ann.node).toMatch(/^[A-Za-z0-9_-]{8}$/);
    expect(bob.node).toMatch(/^[A-Za-z0-9_-]{8}$/);
    expect(bob.node).not.toBe(ann.node);

    // Presence across workers: bob's welcome lists ann (on the other worker), ann hears bob join.
    expect(bob.welcome.members.cross?.map((u) => u.name).sort()).toEqual(['ann', 'bob']);
    await ann.until(() => presenceOf(ann).length === 1, 'user:joined bob');
    expect(presenceOf(ann)).toEqual([['user:joined', 'bob']]);

    const n = 30;
    for (let i = 0; i < n; i++) {
      ann.emit('send', { room: 'cross', text: `a${i}` });
      bob.emit('send', { room: 'cross', text: `b${i}` });
    }
    for (const x of [ann, bob]) await x.until(() => messagesOf(x).length === 2 * n, 'every message');
    const seqs = Array.from({ length: 2 * n }, (_, i) => i + 1);
    expect(messagesOf(ann).map((m) => m.seq)).toEqual(seqs);
    expect(messagesOf(bob).map((m) => m.seq)).toEqual(seqs);
    expect(messagesOf(bob).map((m) => m.text)).toEqual(messagesOf(ann).map((m) => m.text));
    for (const [x, mine] of [
      [ann, 'a'],
      [bob, 'b'],
    ] as const) {
      await x.until(() => x.frames.filter((f) => f.event === 'ack').length === n, 'every ack');
      const acks = x.frames.flatMap((f, at) =>
        f.event === 'ack' && 'seq' in f.data.result ? [{ at, seq: f.data.result.seq }] : [],
      );
      expect(acks).toHaveLength(n);
      for (const { at, seq } of acks) {
        const own = x.frames.findIndex((f: ServerFrame) => f.event === 'message' && f.data.seq === seq);
        expect((x.frames[own] as { data: Message }).data.text.startsWith(mine)).toBe(true);
        expect(own).toBeLessThan(at);
      }
    }

    // Every worker answers for the whole cluster's presence; a leave reaches the other worker.
    for (let i = 0; i < 2; i++) {
      const listed = JSON.parse(await fresh(`${c.http}/rooms/cross/members`)) as { members: { name: string }[] };
      expect(listed.members.map((u) => u.name).sort()).toEqual(['ann', 'bob']);
    }
    bob.emit('leave', { room: 'cross' });
    await ann.until(() => presenceOf(ann).length === 2, 'user:left bob');
    expect(presenceOf(ann)).toEqual([
      ['user:joined', 'bob'],
      ['user:left', 'bob'],
    ]);
  }, 30_000);

  it('resumes on the other worker: same identity, every missed message once, nobody saw it go', async () => {
    const eve = await arrive(c.ws, { name: 'eve', room: 'res' });
    const fay = await arrive(c.ws, { name: 'fay', room: 'res' });
    expect(fay.node).not.toBe(eve.node);
    eve.socket.terminate();
    for (const text of ['m1', 'm2', 'm3']) fay.emit('send', { room: 'res', text });
    await fay.until(() => messagesOf(fay).length === 3, 'm1..m3');
    // Connections go round-robin: once a probe lands on eve's old worker, the next goes to the other.
    for (let tries = 0; tries < 3; tries++) {
      const probe = await arrive(c.ws, { name: 'probe' });
      await probe.close();
      if (probe.node === eve.node) break;
    }
    const epoch = eve.welcome.positions?.res?.epoch as string;
    const back = await arrive(c.ws, {
      name: 'eve',
      resume: eve.welcome.resumeToken as string,
      positions: JSON.stringify({ res: { epoch, seq: 0 } }),
    });
    expect(back.node).toBe(fay.node);
    expect(back.welcome).toMatchObject({ clientId: eve.welcome.clientId, rooms: ['res'], resumed: true });
    expect(back.welcome.recovery).toEqual({ res: { recovered: true, position: { epoch, seq: 3 } } });
    await back.until(() => messagesOf(back).length === 3, 'the replay');
    expect(messagesOf(back).map((m) => [m.seq, m.text])).toEqual([
      [1, 'm1'],
      [2, 'm2'],
      [3, 'm3'],
    ]);
    await fay.sync();
    expect(presenceOf(fay)).toEqual([]);
  }, 30_000);

  it('restarts a worker killed with SIGKILL, and announces its members gone to the other worker', async () => {
    const carl = await arrive(c.ws, { name: 'carl', room: 'kill' });
    const dave = await arrive(c.ws, { name: 'dave', room: 'kill' });
    expect(dave.node).not.toBe(carl.node);
    await carl.until(() => presenceOf(carl).length === 1, 'user:joined dave');
    carl.drain();
    dave.drain();
    const before = workerPids(c.child);
    expect(before).toHaveLength(2);
    process.kill(before[0] as number, 'SIGKILL');
    // Exactly one of them was on the killed worker; the other hears it leave, past any grace.
    await waitFor('a socket cut', () => carl.closed !== undefined || dave.closed !== undefined);
    const [gone, stayed] = carl.closed ? [carl, dave] : [dave, carl];
    expect((await gone.waitClosed()).code).toBe(1006);
    await stayed.until(() => presenceOf(stayed).some(([e]) => e === 'user:left'), 'user:left');
    expect(stayed.drain().filter((f) => f.event === 'user:left')).toEqual([
      {
        event: 'user:left',
        data: { room: 'kill', user: { id: gone.welcome.clientId, name: gone === carl ? 'carl' : 'dave' } },
      },
    ]);
    expect(stayed.closed).toBeUndefined();

    await waitFor('the worker restarted', () => c.output().includes('"msg":"worker restarted"'));
    const after = workerPids(c.child);
    expect(after).toHaveLength(2);
    expect(after).toContain(before[1]);
    expect(after).not.toContain(before[0]);
    const x = await arrive(c.ws, { name: 'x', room: 'kill' });
    const y = await arrive(c.ws, { name: 'y', room: 'kill' });
    const nodes = new Set([x.node, y.node]);
    expect(nodes.size).toBe(2);
    expect(nodes.has(stayed.node)).toBe(true);
    expect(nodes.has(gone.node)).toBe(false);
    expect(c.output()).toMatch(/"msg":"worker died"/);
  }, 40_000);

  it('counts connections per worker in /healthz and over all workers in /metrics; on SIGTERM closes every socket on every worker with 1001 and exits 0', async () => {
    const g = await arrive(c.ws, { name: 'g' });
    const h = await arrive(c.ws, { name: 'h' });
    expect(h.node).not.toBe(g.node);
    // /healthz counts the worker that answers; /metrics, from either worker, every worker.
    const open = clients.filter((x) => x.closed === undefined).length;
    const health = [0, 1].map(async () => JSON.parse(await fresh(`${c.http}/healthz`)));
    const [one, two] = (await Promise.all(health)) as { node: string; connections: number }[];
    expect(new Set([one?.node, two?.node])).toEqual(new Set([g.node, h.node]));
    expect((one?.connections ?? 0) + (two?.connections ?? 0)).toBe(open);
    const ready = await Promise.all([0, 1].map(async () => JSON.parse(await fresh(`${c.http}/readyz`))));
    expect(new Set(ready.map((r: { node: string }) => r.node))).toEqual(new Set([g.node, h.node]));
    const rooms = await Promise.all([0, 1].map(async () => JSON.parse(await fresh(`${c.http}/rooms`))));
    expect(new Set(rooms.map((r: { node: string; scope: string }) => `${r.scope}:${r.node}`))).toEqual(
      new Set([`node:${g.node}`, `node:${h.node}`]),
    );
    for (let i = 0; i < 2; i++)
      expect(await fresh(`${c.http}/metrics`)).toMatch(new RegExp(`^roomcast_connections ${open}$`, 'm'));
    c.child.kill('SIGTERM');
    expect((await g.waitClosed()).code).toBe(1001);
    expect((await h.waitClosed()).code).toBe(1001);
    expect((await c.exited)[0]).toBe(0);
  }, 30_000);
});

describe('WORKERS=2 with REDIS_URL: each worker a Redis node', () => {
  let redis: TestRedis;
  let c: Cluster;
  beforeAll(async () => {
    redis = await startRedis();
    c = await startCluster({ WORKERS: '2', REDIS_URL: redis.url, REDIS_PREFIX: testPrefix('workers') });
  }, 30_000);
  afterAll(async () => {
    await Promise.all(clients.splice(0).map((x) => x.close()));
    c?.child.kill('SIGKILL');
    await redis?.close();
  });

  it('crosses workers through Redis, and a killed worker is swept at once, long before its heartbeat expires', async () => {
    const ann = await arrive(c.ws, { name: 'ann', room: 'r' });
    const bob = await arrive(c.ws, { name: 'bob', room: 'r' });
    expect(bob.node).toMatch(/^[0-9a-f]{12}$/);
    expect(bob.node).not.toBe(ann.node);
    expect(bob.welcome.members.r?.map((u) => u.name).sort()).toEqual(['ann', 'bob']);
    for (const text of ['a1', 'a2']) ann.emit('send', { room: 'r', text });
    bob.emit('send', { room: 'r', text: 'b1' });
    for (const x of [ann, bob]) await x.until(() => messagesOf(x).length === 3, 'three messages');
    expect(messagesOf(ann).map((m) => m.seq)).toEqual([1, 2, 3]);
    expect(messagesOf(bob).map((m) => [m.seq, m.text])).toEqual(messagesOf(ann).map((m) => [m.seq, m.text]));
    await ann.until(() => presenceOf(ann).length === 1, 'user:joined bob');

    // NODE_TTL_MS is 10 s: a user:left within the 5 s of `until` comes from the primary's sweep.
    const [first] = workerPids(c.child);
    process.kill(first as number, 'SIGKILL');
    await waitFor('a socket cut', () => ann.closed !== undefined || bob.closed !== undefined);
    const [gone, stayed] = ann.closed ? [ann, bob] : [bob, ann];
    await stayed.until(() => presenceOf(stayed).some(([e]) => e === 'user:left'), 'user:left', 5000);
    expect(presenceOf(stayed).filter(([e]) => e === 'user:left')).toEqual([
      ['user:left', gone === ann ? 'ann' : 'bob'],
    ]);
    await waitFor('the worker restarted', () => c.output().includes('"msg":"worker restarted"'));
    c.child.kill('SIGTERM');
    expect((await stayed.waitClosed()).code).toBe(1001);
    expect((await c.exited)[0]).toBe(0);
  }, 40_000);
});

describe('a crash loop', () => {
  it('is logged and stops the primary with status 1', async () => {
    const { exited, output } = spawnMain({}, crashLoopPrimary);
    expect((await exited)[0]).toBe(1);
    expect(output()).toMatch(/"msg":"worker crash loop: stopping"/);
    expect(output().match(/"msg":"worker died"/g)?.length).toBeGreaterThanOrEqual(3);
    expect(output()).not.toMatch(/Roomcast ready/);
  }, 60_000);
});
