import type { Message } from '@roomcast/protocol';
import { createClient } from 'redis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startRedis, type TestRedis, testPrefix } from '../../testing/redis.js';
import { type AdapterSink, AdapterUnavailableError, type Member, type PresenceChange } from '../adapter.js';
import { createRedisAdapter, type RedisAdapter, type RedisAdapterOptions } from './index.js';

/** Records everything an adapter hands its node, and waits for conditions over it. */
class Recorder implements AdapterSink {
  readonly messages: { message: Message; epoch: string }[] = [];
  readonly presence: { room: string; change: PresenceChange; member: Member }[] = [];
  onMessage(message: Message, epoch: string): void {
    this.messages.push({ message, epoch });
  }
  onPresence(room: string, change: PresenceChange, member: Member): void {
    this.presence.push({ room, change, member });
  }
  seqs(room: string): number[] {
    return this.messages.filter((m) => m.message.room === room).map((m) => m.message.seq);
  }
}

async function until(predicate: () => boolean | Promise<boolean>, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await predicate())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

const member = (name: string, clientId = `c-${name}`): Member => ({ id: `u-${name}`, name, clientId });
const draft = (room: string, text: string, from = member('ann')) => ({ room, from, text, sentAt: 1_700_000_000_000 });

let redis: TestRedis;
const adapters: RedisAdapter[] = [];
beforeAll(async () => {
  redis = await startRedis({ own: true });
});
afterAll(async () => {
  await redis?.close();
});
afterEach(async () => {
  await Promise.all(adapters.splice(0).map((a) => a.close()));
});

async function node(prefix: string, options: Partial<RedisAdapterOptions> = {}) {
  const adapter = createRedisAdapter({ url: redis.url, prefix, ...options });
  const sink = new Recorder();
  adapters.push(adapter);
  await adapter.start(sink);
  expect(adapter.ready()).toBe(true);
  return { adapter, sink };
}

// Generous bounds: the test machine is shared and often loaded; they only cap a failure.
describe('redis broker', { timeout: 30_000 }, () => {
  it('numbers concurrent publishes from two nodes once, and both nodes receive them in seq order', async () => {
    const prefix = testPrefix('order');
    const a = await node(prefix);
    const b = await node(prefix);
    await a.adapter.broker.subscribe('r');
    await b.adapter.broker.subscribe('r');
    const sent = await Promise.all(
      Array.from({ length: 40 }, (_, i) => (i % 2 ? a : b).adapter.broker.publish('r', draft('r', `m${i}`), 0)),
    );
    expect(sent.map((s) => s.message.seq).sort((x, y) => x - y)).toEqual(Array.from({ length: 40 }, (_, i) => i + 1));
    const epoch = sent[0]?.epoch;
    expect(new Set(sent.map((s) => s.epoch))).toEqual(new Set([epoch]));
    for (const { sink } of [a, b]) {
      await until(() => sink.messages.length === 40, '40 messages');
      expect(sink.seqs('r')).toEqual(Array.from({ length: 40 }, (_, i) => i + 1));
      expect(sink.messages.every((m) => m.epoch === epoch)).toBe(true);
    }
    // What a node delivers is what was published: text and seq match.
    const bySeq = new Map(sent.map((s) => [s.message.seq, s.message.text]));
    expect(a.sink.messages.map((m) => bySeq.get(m.message.seq) === m.message.text)).toEqual(Array(40).fill(true));
  });

  it('gives an unsubscribed room nothing, and a resubscribed one its new messages', async () => {
    const prefix = testPrefix('unsub');
    const a = await node(prefix);
    const b = await node(prefix);
    await a.adapter.broker.subscribe('r');
    await b.adapter.broker.subscribe('r');
    await b.adapter.broker.unsubscribe('r');
    await a.adapter.broker.publish('r', draft('r', 'one'), 0);
    await b.adapter.broker.subscribe('r');
    await a.adapter.broker.publish('r', draft('r', 'two'), 0);
    await until(() => b.sink.messages.length === 1 && a.sink.messages.length === 2, 'deliveries');
    expect(b.sink.seqs('r')).toEqual([2]);
  });

  it('keeps seq above the floor and changes the epoch when Redis lost the room', async () => {
    const prefix = testPrefix('floor');
    const a = await node(prefix);
    await a.adapter.broker.subscribe('r');
    for (let i = 0; i < 3; i++) await a.adapter.broker.publish('r', draft('r', `m${i}`), 0);
    const before = await a.adapter.broker.position('r');
    expect(before.seq).toBe(3);
    const raw = createClient({ url: redis.url });
    await raw.connect();
    await raw.del(`${prefix}{r}:meta`);
    await raw.close();
    // A node that saw seq 3 publishes: 4, in a new epoch.
    const after = await a.adapter.broker.publish('r', draft('r', 'after'), 3);
    expect(after.message.seq).toBe(4);
    expect(after.epoch).not.toBe(before.epoch);
    // Even a floor of 0 continues above what this node delivered.
    const next = await a.adapter.broker.publish('r', draft('r', 'next'), 0);
    expect(next.message.seq).toBe(5);
    expect(next.epoch).toBe(after.epoch);
    const h = await a.adapter.broker.history('r', before, 100);
    expect(h).toEqual({
      recovered: false,
      messages: [after.message, next.message].map((m) => expect.objectContaining({ seq: m.seq, text: m.text })),
      position: { epoch: after.epoch, seq: 5 },
      missing: { from: 4, to: 3 },
    });
  });

  it('starts a new epoch when a node has seen more than Redis holds (data lost but the room key survived)', async () => {
    const prefix = testPrefix('lost');
    const a = await node(prefix);
    const first = await a.adapter.broker.publish('r', draft('r', 'one'), 0);
    const jumped = await a.adapter.broker.publish('r', draft('r', 'two'), 10);
    expect(jumped.message.seq).toBe(11);
    expect(jumped.epoch).not.toBe(first.epoch);
  });

  it('answers history exactly: everything since, a limit, a trimmed stream and another epoch', async () => {
    const prefix = testPrefix('history');
    const a = await node(prefix, { historySize: 10 });
    const fresh = await a.adapter.broker.position('r');
    expect(fresh.seq).toBe(0);
    expect(await a.adapter.broker.position('r')).toEqual(fresh); // the epoch is kept once named
    for (let i = 1; i <= 5; i++) await a.adapter.broker.publish('r', draft('r', `m${i}`), 0);
    const pos = { epoch: fresh.epoch, seq: 5 };

    const all = await a.adapter.broker.history('r', { epoch: fresh.epoch, seq: 2 }, 100);
    expect(all.recovered).toBe(true);
    expect(all.messages.map((m) => [m.seq, m.text])).toEqual([
      [3, 'm3'],
      [4, 'm4'],
      [5, 'm5'],
    ]);
    expect(all.position).toEqual(pos);
    expect(all.messages[0]).toEqual({ seq: 3, ...draft('r', 'm3') });

    expect(await a.adapter.broker.history('r', pos, 100)).toEqual({ recovered: true, messages: [], position: pos });

    const limited = await a.adapter.broker.history('r', { epoch: fresh.epoch, seq: 1 }, 2);
    expect(limited.recovered).toBe(false);
    expect(limited.messages.map((m) => m.seq)).toEqual([4, 5]);
    expect(limited.recovered === false && limited.missing).toEqual({ from: 2, to: 3 });

    const other = await a.adapter.broker.history('r', { epoch: 'older-life', seq: 2 }, 100);
    expect(other.recovered).toBe(false);
    expect(other.messages.map((m) => m.seq)).toEqual([1, 2, 3, 4, 5]);
    expect(other.recovered === false && other.missing).toEqual({ from: 3, to: 0 });

    // Past HISTORY_SIZE Redis trims (approximately, whole stream nodes): the hole is reported exactly.
    await Promise.all(Array.from({ length: 395 }, (_, i) => a.adapter.broker.publish('r', draft('r', `m${i + 6}`), 0)));
    const trimmed = await a.adapter.broker.history('r', { epoch: fresh.epoch, seq: 0 }, 1000);
    expect(trimmed.recovered).toBe(false);
    if (trimmed.recovered) return;
    const firstKept = trimmed.missing.to + 1;
    expect(trimmed.missing.from).toBe(1);
    expect(firstKept).toBeGreaterThan(1);
    expect(trimmed.messages.length).toBeGreaterThanOrEqual(10);
    expect(trimmed.messages.map((m) => m.seq)).toEqual(
      Array.from({ length: 401 - firstKept }, (_, i) => firstKept + i),
    );
  });

  it('rejects with AdapterUnavailableError while Redis is down, then recovers: seq goes on, the epoch changes', async () => {
    const own = await startRedis({ own: true });
    try {
      const prefix = testPrefix('down');
      const mk = async () => {
        const adapter = createRedisAdapter({ url: own.url, prefix });
        const sink = new Recorder();
        adapters.push(adapter);
        await adapter.start(sink);
        await adapter.broker.subscribe('r');
        return { adapter, sink };
      };
      const a = await mk();
      const b = await mk();
      const first = await a.adapter.broker.publish('r', draft('r', 'before'), 0);
      await until(() => b.sink.messages.length === 1, 'b got the first');

      await own.stop();
      await until(() => !a.adapter.ready() && !b.adapter.ready(), 'not ready');
      await expect(a.adapter.broker.publish('r', draft('r', 'lost'), 1)).rejects.toBeInstanceOf(
        AdapterUnavailableError,
      );
      await expect(a.adapter.presence.list('r')).rejects.toBeInstanceOf(AdapterUnavailableError);
      await expect(a.adapter.sessions.take('x'.repeat(20))).rejects.toBeInstanceOf(AdapterUnavailableError);
      await expect(a.adapter.broker.subscribe('other')).rejects.toBeInstanceOf(AdapterUnavailableError);

      await own.restart();
      await until(() => a.adapter.ready() && b.adapter.ready(), 'ready again');
      // The nodes re-seed the room above what they delivered, so even a node that has seen
      // nothing (c, with floor 0) numbers above it, in a new epoch.
      const raw = createClient({ url: own.url });
      await raw.connect();
      await until(async () => (await raw.hGet(`${prefix}{r}:meta`, 'seq')) === '1', 're-seeded counter');
      await raw.close();
      const c = createRedisAdapter({ url: own.url, prefix });
      adapters.push(c);
      await c.start(new Recorder());
      const again = await c.broker.publish('r', draft('r', 'after'), 0);
      expect(again.message.seq).toBe(2);
      expect(again.epoch).not.toBe(first.epoch);
      for (const { sink } of [a, b]) {
        await until(() => sink.messages.length === 2, 'the message after the restart');
        expect(sink.seqs('r')).toEqual([1, 2]);
        expect(sink.messages[1]?.epoch).toBe(again.epoch);
      }
    } finally {
      await own.close();
    }
  }, 30_000);

  it('starts not ready when Redis is down at boot, and becomes ready when it comes up', async () => {
    const own = await startRedis({ own: true });
    try {
      await own.stop();
      const adapter = createRedisAdapter({ url: own.url, prefix: testPrefix('boot'), connectWaitMs: 200 });
      adapters.push(adapter);
      await adapter.start(new Recorder());
      expect(adapter.ready()).toBe(false);
      await expect(adapter.broker.publish('r', draft('r', 'early'), 0)).rejects.toBeInstanceOf(AdapterUnavailableError);
      await own.restart();
      await until(() => adapter.ready(), 'ready once Redis is up');
      expect((await adapter.broker.publish('r', draft('r', 'now'), 0)).message.seq).toBe(1);
    } finally {
      await own.close();
    }
  });

  it('counts a stalled Redis (socket open, no answers) as unavailable, and is ready again once it answers', async () => {
    const own = await startRedis({ own: true });
    try {
      const adapter = createRedisAdapter({ url: own.url, prefix: testPrefix('stall') });
      adapters.push(adapter);
      const sink = new Recorder();
      await adapter.start(sink);
      await adapter.broker.subscribe('r');
      await adapter.broker.publish('r', draft('r', 'one'), 0);
      own.pause();
      const started = Date.now();
      await expect(adapter.broker.publish('r', draft('r', 'stalled'), 1)).rejects.toBeInstanceOf(
        AdapterUnavailableError,
      );
      expect(Date.now() - started).toBeLessThan(5000);
      await until(() => !adapter.ready(), 'not ready while stalled');
      own.resume();
      await until(() => adapter.ready(), 'ready again');
      // The stalled publish may still have run when Redis woke up (a timeout cannot know): no seq is
      // given twice and none is skipped.
      const after = await adapter.broker.publish('r', draft('r', 'after'), 0);
      await until(() => sink.messages.length >= 2 && sink.seqs('r').at(-1) === after.message.seq, 'delivery');
      expect(sink.seqs('r')).toEqual(Array.from({ length: after.message.seq }, (_, i) => i + 1));
    } finally {
      await own.close();
    }
  }, 30_000);

  it('drops and counts a malformed channel event, and goes on with the next', async () => {
    const prefix = testPrefix('malformed');
    const dropped: string[] = [];
    const a = await node(prefix, { onDropped: (reason, n) => dropped.push(`${reason}:${n}`) });
    await a.adapter.broker.subscribe('r');
    const raw = createClient({ url: redis.url });
    await raw.connect();
    await raw.sPublish(`${prefix}{r}:ch`, 'not json');
    await raw.sPublish(`${prefix}{r}:ch`, JSON.stringify(['m', 'epoch', { no: 'seq' }]));
    await raw.close();
    await a.adapter.broker.publish('r', draft('r', 'fine'), 0);
    await until(() => a.sink.messages.length === 1, 'the good one');
    expect(dropped).toEqual(['malformed:1', 'malformed:1']);
    expect(a.adapter.broker.stats.malformed).toBe(2);
    expect(a.sink.seqs('r')).toEqual([1]);
  });

  it('fills a gap from the stream when its subscriber connection was cut while others published', async () => {
    const prefix = testPrefix('gap');
    const a = await node(prefix);
    const b = await node(prefix);
    await a.adapter.broker.subscribe('r');
    await b.adapter.broker.subscribe('r');
    await b.adapter.broker.publish('r', draft('r', 'm1'), 0);
    await until(() => a.sink.messages.length === 1, 'first');
    const raw = createClient({ url: redis.url });
    await raw.connect();
    // Cuts every subscriber connection (both nodes'); publishing goes on over the command connections.
    expect(await raw.sendCommand(['CLIENT', 'KILL', 'TYPE', 'pubsub'])).toBe(2);
    await raw.close();
    for (let i = 2; i <= 30; i++) await b.adapter.broker.publish('r', draft('r', `m${i}`), 0);
    for (const { sink } of [a, b]) {
      await until(() => sink.messages.length === 30, '30 messages');
      expect(sink.seqs('r')).toEqual(Array.from({ length: 30 }, (_, i) => i + 1));
    }
  });
});

describe('redis presence', { timeout: 30_000 }, () => {
  it('lists and counts members across nodes, tells the other nodes only, and lets a takeover stand', async () => {
    const prefix = testPrefix('presence');
    const a = await node(prefix);
    const b = await node(prefix);
    await a.adapter.broker.subscribe('r');
    await b.adapter.broker.subscribe('r');
    const ann = member('ann');
    const bob = member('bob');
    expect(await a.adapter.presence.add('r', ann, `${a.adapter.node}/1`)).toBe(false);
    await a.adapter.broker.announce('r', 'joined', ann);
    await b.adapter.presence.add('r', bob, `${b.adapter.node}/1`);
    await b.adapter.broker.announce('r', 'joined', bob);
    await until(() => a.sink.presence.length === 1 && b.sink.presence.length === 1, 'announcements');
    expect(a.sink.presence).toEqual([{ room: 'r', change: 'joined', member: bob }]);
    expect(b.sink.presence).toEqual([{ room: 'r', change: 'joined', member: ann }]);
    expect((await b.adapter.presence.list('r')).sort((x, y) => x.name.localeCompare(y.name))).toEqual([ann, bob]);
    expect(await a.adapter.presence.count('r')).toBe(2);

    // ann's connection resumes on node b: b takes the entry over; a's late cleanup must not remove it.
    expect(await b.adapter.presence.add('r', ann, `${b.adapter.node}/1`)).toBe(true);
    expect(await a.adapter.presence.remove('r', ann.clientId, `${a.adapter.node}/1`)).toBe(false);
    expect(await a.adapter.presence.count('r')).toBe(2);
    expect(await b.adapter.presence.remove('r', ann.clientId, `${b.adapter.node}/1`)).toBe(true);
    expect(await b.adapter.presence.remove('r', ann.clientId, `${b.adapter.node}/1`)).toBe(false);
    expect(await a.adapter.presence.list('r')).toEqual([bob]);

    // A new socket of the same connection on the same node: the old socket's owner no longer matches.
    expect(await a.adapter.presence.add('r', bob, `${a.adapter.node}/7`)).toBe(true);
    expect(await a.adapter.presence.remove('r', bob.clientId, `${a.adapter.node}/1`)).toBe(false);
    expect(await a.adapter.presence.remove('r', bob.clientId, `${a.adapter.node}/7`)).toBe(true);
    expect(await a.adapter.presence.count('r')).toBe(0);
  });

  it('sweeps a node that stopped renewing: its members are announced left on every node and removed', async () => {
    const prefix = testPrefix('sweep');
    const ttl = 1500;
    const dead = await node(prefix, { nodeTtlMs: ttl });
    const a = await node(prefix, { nodeTtlMs: ttl });
    const b = await node(prefix, { nodeTtlMs: ttl });
    for (const n of [a, b]) await n.adapter.broker.subscribe('r');
    const ghosts = [member('g1'), member('g2')];
    for (const g of ghosts) await dead.adapter.presence.add('r', g, `${dead.adapter.node}/1`);
    await dead.adapter.presence.add('s', member('g3'), `${dead.adapter.node}/1`);
    await a.adapter.presence.add('r', member('ann'), `${a.adapter.node}/1`);
    const diedAt = Date.now();
    dead.adapter.destroy();

    for (const n of [a, b]) {
      await until(() => n.sink.presence.length === 2, 'two left announcements');
      const left = n.sink.presence.map((p) => [p.room, p.change, p.member.name]).sort();
      expect(left).toEqual([
        ['r', 'left', 'g1'],
        ['r', 'left', 'g2'],
      ]);
    }
    // Within the documented bound: ttl + ttl/5, plus generous slack for a loaded machine.
    expect(Date.now() - diedAt).toBeLessThan(ttl * 1.2 + 5000);
    expect(await a.adapter.presence.list('r')).toEqual([member('ann')]);
    expect(await a.adapter.presence.count('s')).toBe(0);
    // Exactly one node swept it (its count moves once its last room is done, after the announcements).
    await until(() => a.adapter.liveness.swept + b.adapter.liveness.swept > 0, 'the sweep to finish');
    expect(a.adapter.liveness.swept + b.adapter.liveness.swept).toBe(1);
  });

  it('writes its members back and announces them joined when it was swept while alive', async () => {
    const prefix = testPrefix('reborn');
    const a = await node(prefix, { nodeTtlMs: 1500 });
    const b = await node(prefix, { nodeTtlMs: 1500 });
    await b.adapter.broker.subscribe('r');
    const ann = member('ann');
    await a.adapter.presence.add('r', ann, `${a.adapter.node}/1`);
    // a stalls (its heartbeat stops, as in a long pause) long enough for b to sweep it...
    const liveness = a.adapter.liveness;
    liveness.stop();
    await until(() => b.sink.presence.length === 1, 'left');
    expect(await b.adapter.presence.count('r')).toBe(0);
    // ...then wakes up: its next heartbeat finds it was swept and puts its member back.
    // (It beats on from here, so b has no reason to sweep it a second time.)
    liveness.start();
    await liveness.beat();
    await until(() => b.sink.presence.length === 2, 'left, then joined again');
    expect(b.sink.presence.map((p) => p.change)).toEqual(['left', 'joined']);
    expect(await b.adapter.presence.list('r')).toEqual([ann]);
  });

  it('a node that closes announces its remaining members left at once', async () => {
    const prefix = testPrefix('close');
    const a = await node(prefix);
    const b = await node(prefix);
    await b.adapter.broker.subscribe('r');
    await a.adapter.presence.add('r', member('ann'), `${a.adapter.node}/1`);
    await a.adapter.close();
    await until(() => b.sink.presence.length === 1, 'left');
    expect(b.sink.presence).toEqual([{ room: 'r', change: 'left', member: member('ann') }]);
    expect(await b.adapter.presence.count('r')).toBe(0);
  });
});

describe('redis sessions', { timeout: 30_000 }, () => {
  it('are single-use across nodes, expire, and can be dropped', async () => {
    const prefix = testPrefix('sessions');
    const a = await node(prefix);
    const b = await node(prefix);
    const session = { clientId: 'c1', user: member('ann', 'c1'), rooms: ['r', 's'] };
    await a.adapter.sessions.save('token-aaaaaaaaaaaaaaaa', session, 60_000);
    expect(await b.adapter.sessions.take('token-aaaaaaaaaaaaaaaa')).toEqual(session);
    expect(await a.adapter.sessions.take('token-aaaaaaaaaaaaaaaa')).toBeUndefined();

    await a.adapter.sessions.save('token-bbbbbbbbbbbbbbbb', session, 5000);
    const raw = createClient({ url: redis.url });
    await raw.connect();
    const ttl = await raw.pTTL(`${prefix}session:token-bbbbbbbbbbbbbbbb`);
    await raw.close();
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(5000);
    await b.adapter.sessions.drop('token-bbbbbbbbbbbbbbbb');
    expect(await a.adapter.sessions.take('token-bbbbbbbbbbbbbbbb')).toBeUndefined();
  });
});
