import type { Message } from '@roomcast/protocol';
import { afterEach, describe, expect, it } from 'vitest';
import { MemoryAdapter, MemoryBus } from '../adapters/memory/index.js';
import { startServer, TestClient, type TestServer } from '../testing/harness.js';

// Members hear a room's messages from the broker's stream, in seq order, once each, whatever the
// stream does: a copy twice, a copy lost (fetched from history), copies out of order, a room that
// starts a new life (a new epoch). The broker's deliveries are played here the way another node's
// pub/sub would hand them to this one; the history is the real one in the bus.
let server: TestServer;
let bus: MemoryBus;
const clients: TestClient[] = [];

afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close()));
  await server.app.close();
});

const draft = (text: string) => ({ room: 'x', from: { id: 'u-cid', name: 'cid' }, text, sentAt: 0 });
const texts = (c: TestClient) =>
  c.drain().map((f) => (f.event === 'message' ? `${f.data.seq}:${f.data.text}` : f.event));
const dropped = async (reason: string) => {
  const text = await (await fetch(`${server.http}/metrics`)).text();
  return Number(text.match(new RegExp(`roomcast_frames_dropped_total\\{reason="${reason}"\\} (\\d+)`))?.[1] ?? 0);
};

/** Ann in room x, with its first message (seq 1) delivered; the room's epoch. */
async function setup(): Promise<{ ann: TestClient; epoch: string }> {
  bus = new MemoryBus();
  server = await startServer({ adapter: new MemoryAdapter(bus) });
  const ann = await TestClient.join(server.ws, 'ann', 'x');
  clients.push(ann);
  ann.emit('send', { room: 'x', text: 'one' }, false);
  expect(await ann.next('message')).toMatchObject({ seq: 1, text: 'one' });
  return { ann, epoch: bus.log('x').epoch };
}

/** A message recorded in the room's history that never reached this node. */
const lost = (text: string): Message => bus.log('x').append(draft(text), 0);

describe('the message stream reaches members in seq order, once each', () => {
  it('drops a copy it already delivered, and counts it', async () => {
    const { ann, epoch } = await setup();
    server.app.hub.onMessage({ ...draft('one'), seq: 1 }, epoch);
    await ann.sync();
    expect(texts(ann)).toEqual([]);
    expect(await dropped('duplicate')).toBe(1);
  });

  it('fetches what the stream skipped from history, then delivers in order, nothing counted lost', async () => {
    const { ann } = await setup();
    lost('two');
    lost('three');
    // The broker's next copy is seq 4: 2 and 3 come from history first.
    bus.publish('x', draft('four'), 0);
    await ann.until(() => ann.unread().length === 3, 'three messages');
    expect(texts(ann)).toEqual(['2:two', '3:three', '4:four']);
    expect(await dropped('gap')).toBe(0);
  });

  it('counts exactly the hole history cannot fill, and goes on from there', async () => {
    const { ann, epoch } = await setup();
    server.app.hub.onMessage({ ...draft('four'), seq: 4 }, epoch);
    await ann.until(() => ann.unread().length === 1, 'the message after the hole');
    expect(texts(ann)).toEqual(['4:four']);
    expect(await dropped('gap')).toBe(2);
    server.app.hub.onMessage({ ...draft('five'), seq: 5 }, epoch);
    await ann.until(() => ann.unread().length === 1, 'the next message');
    expect(texts(ann)).toEqual(['5:five']);
    expect(await dropped('gap')).toBe(2);
  });

  it('puts copies that arrive out of order back in order, and what arrives while it fills behind them', async () => {
    const { ann, epoch } = await setup();
    server.app.hub.onMessage({ ...draft('three'), seq: 3 }, epoch);
    server.app.hub.onMessage({ ...draft('two'), seq: 2 }, epoch);
    server.app.hub.onMessage({ ...draft('two'), seq: 2 }, epoch);
    server.app.hub.onMessage({ ...draft('four'), seq: 4 }, epoch);
    await ann.until(() => ann.unread().length === 3, 'three messages');
    expect(texts(ann)).toEqual(['2:two', '3:three', '4:four']);
    await ann.sync();
    expect(texts(ann)).toEqual([]);
    expect(await dropped('gap')).toBe(0);
  });

  it('takes a jump in a new epoch as the room starting over, not as a hole', async () => {
    const { ann } = await setup();
    server.app.hub.onMessage({ ...draft('after a reset'), seq: 7 }, 'another-life');
    await ann.until(() => ann.unread().length === 1, 'the message');
    expect(texts(ann)).toEqual(['7:after a reset']);
    expect(await dropped('gap')).toBe(0);
    // The new epoch is the room's now: a jump within it is a hole.
    server.app.hub.onMessage({ ...draft('nine'), seq: 9 }, 'another-life');
    await ann.until(() => ann.unread().length === 1, 'the next message');
    expect(await dropped('gap')).toBe(1);
  });

  it('ignores what the stream says about a room nobody here is in (a copy after the last member left)', async () => {
    const { ann, epoch } = await setup();
    const member = { id: 'u-cid', name: 'cid', clientId: 'c-cid' };
    expect(() => server.app.hub.onMessage({ ...draft('late'), room: 'gone', seq: 9 }, epoch)).not.toThrow();
    expect(() => server.app.hub.onPresence('gone', 'joined', member)).not.toThrow();
    await ann.sync();
    expect(texts(ann)).toEqual([]);
    expect(await dropped('gap')).toBe(0);
  });

  it('acks a send whose broker copy never comes back once history has it, the message first', async () => {
    const { ann } = await setup();
    // This node stops hearing the room's stream: its own next message must come from history.
    const subscribers = bus.subscribers.get('x');
    if (!subscribers) throw new Error('the room has no subscribers');
    const sinks = [...subscribers];
    subscribers.clear();
    const id = ann.emit('send', { room: 'x', text: 'lost on the way' });
    expect(await ann.next('message')).toMatchObject({ seq: 2, text: 'lost on the way' });
    expect((await ann.next('ack')).id).toBe(id);
    for (const s of sinks) subscribers.add(s);
    bus.publish('x', draft('live again'), 0);
    expect(await ann.next('message')).toMatchObject({ seq: 3, text: 'live again' });
    expect(await dropped('gap')).toBe(0);
  });
});
