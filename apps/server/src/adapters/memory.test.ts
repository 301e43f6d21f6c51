import { afterEach, describe, expect, it } from 'vitest';
import { startServer, TestClient, type TestServer } from '../testing/harness.js';
import { AdapterUnavailableError, type PresenceStore } from './adapter.js';
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
});
