import { afterEach, describe, expect, it } from 'vitest';
import { startServer, TestClient, type TestServer } from '../testing/harness.js';

let server: TestServer;
const clients: TestClient[] = [];

afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close()));
  await server.app.close();
});

async function scrape(): Promise<{ sent: number; broadcasts: number; recipients: number; closed: number }> {
  const text = await (await fetch(`${server.http}/metrics`)).text();
  const value = (name: string) => Number(text.match(new RegExp(`^${name} (\\d+)$`, 'm'))?.[1] ?? 0);
  return {
    sent: value('roomcast_frames_sent_total'),
    broadcasts: value('roomcast_fanout_recipients_count'),
    recipients: value('roomcast_fanout_recipients_sum'),
    closed: value('roomcast_frames_dropped_total\\{reason="closed"\\}'),
  };
}

describe('GET /metrics counts every frame written, once', () => {
  it('a welcome, a reply, and a broadcast once per recipient; the fan-out histogram once per broadcast', async () => {
    server = await startServer();
    const ann = await TestClient.join(server.ws, 'ann', 'm');
    clients.push(ann);
    // Alone in the room: one welcome, and an arrival with nobody to tell is no broadcast.
    expect(await scrape()).toEqual({ sent: 1, broadcasts: 0, recipients: 0, closed: 0 });

    const bob = await TestClient.join(server.ws, 'bob', 'm');
    clients.push(bob);
    await ann.next('user:joined');
    const cid = await TestClient.join(server.ws, 'cid', 'm');
    clients.push(cid);
    await ann.next('user:joined');
    await bob.next('user:joined');
    // Three welcomes; bob's arrival to ann, cid's to ann and bob.
    expect(await scrape()).toEqual({ sent: 6, broadcasts: 2, recipients: 3, closed: 0 });

    ann.emit('send', { room: 'm', text: 'hi' });
    for (const c of [ann, bob, cid]) await c.next('message');
    await ann.next('ack');
    expect(await scrape()).toEqual({ sent: 10, broadcasts: 3, recipients: 6, closed: 0 });

    bob.emit('leave', { room: 'm' });
    await bob.next('ack');
    for (const c of [ann, cid]) await c.next('user:left');
    expect(await scrape()).toEqual({ sent: 13, broadcasts: 4, recipients: 8, closed: 0 });
    for (const c of [ann, bob, cid]) {
      await c.sync();
      expect(c.unread()).toEqual([]);
    }
  });

  it('a frame for a socket the server is closing is dropped and counted so, not sent', async () => {
    server = await startServer();
    const ann = await TestClient.join(server.ws, 'ann', 'm');
    const bob = await TestClient.join(server.ws, 'bob', 'm');
    clients.push(ann, bob);
    await ann.next('user:joined');
    const bobOnServer = [...server.app.hub.connections.values()].find((c) => c.name === 'bob');
    if (!bobOnServer) throw new Error('bob is not on the server');
    // Closing, still a member until its close handshake ends: what the room says next is not his.
    bobOnServer.close('going_away');
    const draft = { room: 'm', from: { id: 'server', name: 'server' }, text: 'after', sentAt: 0 };
    await server.app.hub.publish('m', draft, 'http');
    expect(await scrape()).toEqual({ sent: 4, broadcasts: 2, recipients: 2, closed: 1 });
    expect(await ann.next('message')).toMatchObject({ text: 'after' });
    expect((await bob.waitClosed()).code).toBe(1001);
    expect(bob.drain()).toEqual([]);
  });
});
