import { afterEach, describe, expect, it } from 'vitest';
import { startServer, TestClient, type TestServer } from '../testing/harness.js';
import { AdapterUnavailableError, type Broker, type PresenceStore, type SessionStore } from './adapter.js';
import { MemoryAdapter, MemoryBus } from './memory/index.js';

// Two nodes sharing one bus: the in-process cluster pattern of socket.io's adapter tests.
const servers: TestServer[] = [];
const clients: TestClient[] = [];

afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close()));
  await Promise.all(servers.splice(0).map((s) => s.app.close()));
});

async function cluster() {
  const bus = new MemoryBus();
  const a = await startServer({ adapter: new MemoryAdapter(bus) });
  const b = await startServer({ adapter: new MemoryAdapter(bus) });
  servers.push(a, b);
  return { a, b, bus };
}

describe('adapter seam: several nodes on one MemoryBus', () => {
  it('carries presence and messages across nodes, each exactly once, with one seq per room', async () => {
    const { a, b } = await cluster();
    const ann = await TestClient.join(a.ws, 'ann', 'x');
    const bob = await TestClient.join(b.ws, 'bob', 'x');
    clients.push(ann, bob);
    expect(bob.frames[0]?.event === 'welcome' && bob.frames[0].data.members.x?.map((u) => u.name)).toEqual([
      'ann',
      'bob',
    ]);
    expect(await ann.next('user:joined')).toEqual({ room: 'x', user: { id: bob.id, name: 'bob' } });

    ann.emit('send', { room: 'x', text: 'one' }, false);
    bob.emit('send', { room: 'x', text: 'two' }, false);
    for (const c of [ann, bob]) {
      await c.until(() => c.frames.filter((f) => f.event === 'message').length === 2, 'two messages');
      const seqs = c.frames.flatMap((f) => (f.event === 'message' ? [f.data.seq] : []));
      expect(seqs).toEqual([1, 2]);
    }
    ann.drain();
    await bob.close();
    expect(await ann.next('user:left')).toEqual({ room: 'x', user: { id: bob.id, name: 'bob' } });
    await ann.sync();
    expect(ann.frames.filter((f) => f.event === 'message')).toHaveLength(2);
  });

  it("answers members cluster-wide and keeps a room's seq going after it empties everywhere", async () => {
    const { a, b } = await cluster();
    const ann = await TestClient.join(a.ws, 'ann', 'y');
    const bob = await TestClient.join(b.ws, 'bob', 'y');
    clients.push(ann, bob);
    const members = await (await fetch(`${a.http}/rooms/y/members`)).json();
    expect((members as { members: { name: string }[] }).members.map((m) => m.name).sort()).toEqual(['ann', 'bob']);
    ann.emit('send', { room: 'y', text: 'hi' }, false);
    await bob.next('message');
    await ann.close();
    await bob.next('user:left');
    await bob.close();
    await ann.until(() => a.app.hub.connections.size + b.app.hub.connections.size === 0, 'both to be gone');
    const again = await TestClient.join(b.ws, 'cat', 'y');
    clients.push(again);
    again.emit('send', { room: 'y', text: 'later' });
    expect((await again.next('message')).seq).toBe(2);
  });
});

describe('MemoryBus retention', () => {
  it('forgets only the counters of the rooms that emptied longest ago, beyond its bound', async () => {
    const server = await startServer({ adapter: new MemoryAdapter(new MemoryBus({ retainEmptied: 2 })) });
    servers.push(server);
    const seqAfterReturn = async (room: string) => {
      const c = await TestClient.join(server.ws, 'cat', room);
      c.emit('send', { room, text: 'back' });
      const { seq } = await c.next('message');
      await c.close();
      return seq;
    };
    for (const room of ['r1', 'r2', 'r3']) {
      const c = await TestClient.join(server.ws, 'ann', room);
      c.emit('send', { room, text: 'first' });
      await c.next('message');
      await c.close();
      await c.until(() => server.app.hub.connections.size === 0, 'the room to empty');
    }
    // r1 emptied first and fell out of a bound of two; r2 and r3 carry on.
    expect(await seqAfterReturn('r3')).toBe(2);
    expect(await seqAfterReturn('r1')).toBe(1);
  });

  it('publishing into an empty room does not grow it past the bound', async () => {
    const bus = new MemoryBus({ retainEmptied: 1 });
    const server = await startServer({ adapter: new MemoryAdapter(bus) });
    servers.push(server);
    const publish = (room: string) =>
      fetch(`${server.http}/rooms/${room}/messages`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ text: 'into the void' }),
      }).then((r) => r.json() as Promise<{ seq: number }>);
    expect((await publish('a')).seq).toBe(1);
    expect((await publish('a')).seq).toBe(2);
    expect((await publish('b')).seq).toBe(1);
    // Room a was pushed out by b, so it starts again.
    expect((await publish('a')).seq).toBe(1);
  });
});

/** An adapter whose presence backend fails for one room: with a bug, or unreachable as Redis can be. */
function failingAdapter(): MemoryAdapter {
  const adapter = new MemoryAdapter();
  const real = adapter.presence;
  const presence: PresenceStore = {
    ...real,
    add: async (room, member, owner) => {
      if (room === 'broken') throw new Error('backend bug');
      if (room === 'unreachable') throw new AdapterUnavailableError('backend unreachable');
      return real.add(room, member, owner);
    },
  };
  return Object.defineProperty(adapter, 'presence', { value: presence });
}

/** While `outage.down`, the named calls reject as an unreachable backend's do; the rest stay real. */
function outageOf<T extends object>(real: T, names: readonly (keyof T)[], outage: { down: boolean }): T {
  const copy = { ...real } as Record<keyof T, unknown>;
  for (const name of names) {
    const method = real[name] as (...args: unknown[]) => Promise<unknown>;
    copy[name] = (...args: unknown[]) =>
      outage.down ? Promise.reject(new AdapterUnavailableError(`${String(name)} unreachable`)) : method(...args);
  }
  return copy as T;
}

interface OutageCalls {
  broker?: (keyof Broker)[];
  presence?: (keyof PresenceStore)[];
  sessions?: (keyof SessionStore)[];
}

/** A MemoryAdapter whose chosen calls fail while `outage.down` is set. */
function outageAdapter(calls: OutageCalls) {
  const adapter = new MemoryAdapter();
  const outage = { down: false };
  const replace = <T extends object>(part: string, real: T, names?: (keyof T)[]) => {
    if (names) Object.defineProperty(adapter, part, { value: outageOf(real, names, outage) });
  };
  replace('broker', adapter.broker, calls.broker);
  replace('presence', adapter.presence, calls.presence);
  replace('sessions', adapter.sessions, calls.sessions);
  return { adapter, outage };
}

/** A server whose adapter's chosen calls fail from the start, with ann and bob in the lobby. */
async function twoInLobby(calls: OutageCalls) {
  const { adapter, outage } = outageAdapter(calls);
  outage.down = true;
  const server = await startServer({ adapter });
  servers.push(server);
  const ann = await TestClient.join(server.ws, 'ann');
  const bob = await TestClient.join(server.ws, 'bob');
  clients.push(ann, bob);
  await ann.next('user:joined');
  return { server, ann, bob };
}

async function scrape(server: TestServer, sample: string): Promise<number> {
  const text = await (await fetch(`${server.http}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(`${sample} `));
  return Number(line?.slice(sample.length + 1) ?? 0);
}
const adapterDrops = (server: TestServer) => scrape(server, 'roomcast_frames_dropped_total{reason="adapter"}');
const roomGauge = (server: TestServer) => scrape(server, 'roomcast_rooms');

/** Fire-and-forget failures are counted a few ticks later: wait for exactly `n`, then make sure no more follow. */
async function expectDrops(server: TestServer, n: number, quiet: TestClient): Promise<void> {
  await expect.poll(() => adapterDrops(server)).toBe(n);
  await quiet.sync();
  expect(await adapterDrops(server)).toBe(n);
}

describe('adapter failures', () => {
  it('close a connection that cannot be welcomed with 1011, and answer a failed join with internal', async () => {
    const server = await startServer({ adapter: failingAdapter() });
    servers.push(server);
    const doomed = await TestClient.connect(server.ws, { name: 'doomed', room: 'broken' });
    clients.push(doomed);
    expect((await doomed.waitClosed()).code).toBe(1011);
    expect(doomed.frames).toEqual([]);

    const ann = await TestClient.join(server.ws, 'ann');
    clients.push(ann);
    const id = ann.emit('join', { room: 'broken' });
    expect(await ann.next('error')).toMatchObject({ code: 'internal', id });
    const again = ann.emit('join', { room: 'unreachable' });
    expect(await ann.next('error')).toMatchObject({ code: 'unavailable', id: again });
    ann.emit('send', { room: 'lobby', text: 'still works' });
    expect(await ann.next('message')).toMatchObject({ text: 'still works' });
    await ann.next('ack');
    expect(ann.drain()).toEqual([]);
  });

  it('counts each failed session save, on join, leave and close, and keeps serving the connection', async () => {
    const { server, ann, bob } = await twoInLobby({ sessions: ['save'] });
    // A welcome saves twice: after its join, and once it is written.
    await expectDrops(server, 4, ann);

    const join = ann.emit('join', { room: 'x' });
    expect(await ann.next('ack')).toMatchObject({ id: join });
    await expectDrops(server, 5, ann);
    const leave = ann.emit('leave', { room: 'x' });
    expect(await ann.next('ack')).toMatchObject({ id: leave });
    await expectDrops(server, 6, ann);

    ann.emit('send', { room: 'lobby', text: 'still here' });
    expect(await ann.next('message')).toMatchObject({ text: 'still here' });
    await ann.next('ack');
    await bob.close();
    await ann.next('user:left');
    await expectDrops(server, 7, ann);
    expect(ann.drain()).toEqual([]);
  });

  it('counts each failed unsubscribe when a room empties here, and the room can be joined again', async () => {
    const { server, ann, bob } = await twoInLobby({ broker: ['unsubscribe'] });
    for (const c of [ann, bob]) {
      c.emit('join', { room: 'x' });
      await c.next('ack');
    }
    await ann.next('user:joined');

    // Not the last member here: nothing to unsubscribe.
    ann.emit('leave', { room: 'x' });
    await ann.next('ack');
    await expectDrops(server, 0, ann);
    await bob.next('user:left');
    bob.emit('leave', { room: 'x' });
    await bob.next('ack');
    await expectDrops(server, 1, bob);
    expect(await roomGauge(server)).toBe(1);

    ann.emit('join', { room: 'x' });
    expect(await ann.next('ack')).toMatchObject({ result: { room: 'x', members: [{ name: 'ann' }] } });
    ann.emit('send', { room: 'x', text: 'back' });
    expect(await ann.next('message')).toMatchObject({ room: 'x', text: 'back', seq: 1 });
    await ann.next('ack');
    ann.emit('leave', { room: 'x' });
    await ann.next('ack');
    await expectDrops(server, 2, ann);
    expect(ann.drain()).toEqual([]);
  });

  it('counts each failed presence removal, on leave and on disconnect, and still acks the leave', async () => {
    const { server, ann, bob } = await twoInLobby({ presence: ['remove'] });
    bob.emit('join', { room: 'x' });
    await bob.next('ack');

    const leave = bob.emit('leave', { room: 'x' });
    expect(await bob.next('ack')).toMatchObject({ id: leave, result: { room: 'x' } });
    await expectDrops(server, 1, bob);
    bob.emit('send', { room: 'x', text: 'gone?' });
    expect(await bob.next('error')).toMatchObject({ code: 'not_in_room' });

    await bob.close();
    await expectDrops(server, 2, ann);
    ann.emit('send', { room: 'lobby', text: 'still works' });
    expect(await ann.next('message')).toMatchObject({ text: 'still works' });
    await ann.next('ack');
  });

  it('counts each failed announcement to other nodes, while members here still hear joins and leaves', async () => {
    const { adapter, outage } = outageAdapter({ broker: ['announce'] });
    outage.down = true;
    const server = await startServer({ adapter });
    servers.push(server);
    // Alone in the room, a join is still announced to the cluster.
    const ann = await TestClient.join(server.ws, 'ann');
    clients.push(ann);
    await expectDrops(server, 1, ann);
    const bob = await TestClient.join(server.ws, 'bob');
    clients.push(bob);
    expect(await ann.next('user:joined')).toEqual({ room: 'lobby', user: { id: bob.id, name: 'bob' } });
    await expectDrops(server, 2, ann);

    bob.emit('leave', { room: 'lobby' });
    await bob.next('ack');
    expect(await ann.next('user:left')).toEqual({ room: 'lobby', user: { id: bob.id, name: 'bob' } });
    await expectDrops(server, 3, ann);
    bob.emit('join', { room: 'lobby' });
    await bob.next('ack');
    await ann.next('user:joined');
    await expectDrops(server, 4, ann);
    await bob.close();
    await ann.next('user:left');
    await expectDrops(server, 5, ann);
    expect(ann.drain()).toEqual([]);
  });

  it('answers a join whose subscription fails with unavailable, forgets the room, and joins it once the broker is back', async () => {
    const { adapter, outage } = outageAdapter({ broker: ['subscribe'] });
    const server = await startServer({ adapter });
    servers.push(server);
    const ann = await TestClient.join(server.ws, 'ann');
    clients.push(ann);
    outage.down = true;

    const id = ann.emit('join', { room: 'x' });
    expect(await ann.next('error')).toMatchObject({ code: 'unavailable', id });
    expect(await roomGauge(server)).toBe(1);
    expect(server.app.hub.roomNames()).toEqual([{ room: 'lobby', members: 1 }]);
    const retry = ann.emit('join', { room: 'x' });
    expect(await ann.next('error')).toMatchObject({ code: 'unavailable', id: retry });

    outage.down = false;
    const again = ann.emit('join', { room: 'x' });
    expect(await ann.next('ack')).toMatchObject({ id: again, result: { room: 'x', members: [{ name: 'ann' }] } });
    expect(await roomGauge(server)).toBe(2);
    ann.emit('send', { room: 'x', text: 'in at last' });
    expect(await ann.next('message')).toMatchObject({ room: 'x', text: 'in at last', seq: 1 });
    await ann.next('ack');
    // A refused join is answered, not dropped: the failed subscribe is not counted.
    await expectDrops(server, 0, ann);
    expect(ann.drain()).toEqual([]);
  });
});
