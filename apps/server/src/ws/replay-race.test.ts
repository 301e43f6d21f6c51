import type { Message } from '@roomcast/protocol';
import { afterEach, describe, expect, it } from 'vitest';
import { startServer, TestClient, type TestServer } from '../testing/harness.js';
import { SlowAdapter } from '../testing/slow-adapter.js';

// A join with `since` replays history up to the room's position at the moment the joiner became a
// member; what is published after that reaches it live, held behind the replay. A message published
// while the join waits on the adapter is in both the history and the held traffic: it must come once.
let server: TestServer;
const clients: TestClient[] = [];

afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close()));
  await server.app.close();
});

describe('a join with since while the room talks', { timeout: 20_000 }, () => {
  it('replays up to its position, then the message published meanwhile, each seq once', async () => {
    const adapter = new SlowAdapter(5);
    server = await startServer({ adapter });
    const ann = await TestClient.connect(server.ws, { name: 'ann', room: 'x' });
    clients.push(ann);
    const epoch = (await ann.next('welcome')).positions?.x?.epoch as string;
    const sent: Message[] = [];
    for (const text of ['m1', 'm2', 'm3']) {
      const id = ann.emit('send', { room: 'x', text });
      sent.push(await ann.next('message'));
      expect(await ann.next('ack')).toEqual({ id, result: { room: 'x', seq: sent.length } });
    }
    const bob = await TestClient.join(server.ws, 'bob', 'lobby');
    clients.push(bob);
    const bobOnServer = [...server.app.hub.connections.values()].find((c) => c.name === 'bob');
    if (!bobOnServer) throw new Error('bob is not on the server');

    // Bob last saw m1 (as a client that was in x before would remember it).
    adapter.pause();
    const id = bob.emit('join', { room: 'x', since: { epoch, seq: 1 } });
    await bob.until(() => bobOnServer.rooms.has('x'), "bob's join to be under way");
    // Recorded in history and delivered to the node at once, past the paused adapter calls.
    const { message: live } = adapter.bus.publish(
      'x',
      { room: 'x', from: { id: 'u-cid', name: 'cid' }, text: 'meanwhile', sentAt: 0 },
      0,
    );
    expect(live.seq).toBe(4);
    expect(await ann.next('message')).toEqual(live);
    expect(bob.unread()).toEqual([]);
    adapter.resume();

    const ack = await bob.next('ack');
    expect(ack).toMatchObject({
      id,
      result: { room: 'x', position: { epoch, seq: 3 }, recovery: { recovered: true, position: { epoch, seq: 3 } } },
    });
    expect(await bob.next('message')).toEqual(sent[1]);
    expect(await bob.next('message')).toEqual(sent[2]);
    expect(await bob.next('message')).toEqual(live);
    await bob.sync();
    expect(bob.unread()).toEqual([]);
  });
});
