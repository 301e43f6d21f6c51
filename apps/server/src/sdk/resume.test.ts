import { type ClientOptions, createClient, type RoomcastClient } from '@roomcast/client';
import { next, record } from '@roomcast/client/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import type { Config } from '../config.js';
import { startServer, type TestServer } from './server.js';

const servers: TestServer[] = [];
const clients: RoomcastClient[] = [];

afterEach(async () => {
  for (const client of clients.splice(0)) client.close();
  for (const server of servers.splice(0)) await server.app.close();
});

async function server(config: Partial<Config>): Promise<TestServer> {
  const s = await startServer(config);
  servers.push(s);
  return s;
}

function client(url: string, options: Partial<ClientOptions> = {}): RoomcastClient {
  // A reconnect delay long enough for the room to move on while the client is away.
  const reconnect = { initialDelayMs: 300, maxDelayMs: 300, jitter: 0 };
  const c = createClient({ url, WebSocket, reconnect, ...options });
  clients.push(c);
  return c;
}

function dropAll(s: TestServer, name: string): void {
  for (const conn of s.app.hub.connections.values()) if (conn.name === name) conn.socket.terminate();
}

describe('client resume', () => {
  it('comes back with every missed message exactly once, in order, and says it recovered', async () => {
    const s = await server({ PRESENCE_GRACE_MS: 10_000 });
    const ada = client(s.url, { name: 'ada', room: 'r1' });
    const bob = client(s.url, { name: 'bob', room: 'r1' });
    await Promise.all([ada.ready(), bob.ready()]);
    const texts = record(ada, 'message');
    const presence = record(bob, 'user:left');
    await bob.send('r1', 'before');
    await expect.poll(() => texts.length).toBe(1);

    const recovery = next(ada, 'recovery');
    dropAll(s, 'ada');
    for (const text of ['away 1', 'away 2', 'away 3']) await bob.send('r1', text);
    expect(await recovery).toEqual({
      room: 'r1',
      recovered: true,
      position: { epoch: expect.any(String), seq: 4 },
    });
    await bob.send('r1', 'after');
    await expect.poll(() => texts.length).toBe(5);
    expect(texts.map((m) => [m.seq, m.text])).toEqual([
      [1, 'before'],
      [2, 'away 1'],
      [3, 'away 2'],
      [4, 'away 3'],
      [5, 'after'],
    ]);
    expect(ada.recovery('r1')?.recovered).toBe(true);
    // Back within the grace: bob never saw ada leave.
    expect(presence).toEqual([]);
  });

  it('reports exactly what could not be recovered', async () => {
    const s = await server({ PRESENCE_GRACE_MS: 10_000, HISTORY_SIZE: 1 });
    const ada = client(s.url, { name: 'ada', room: 'r1' });
    const bob = client(s.url, { name: 'bob', room: 'r1' });
    await Promise.all([ada.ready(), bob.ready()]);
    const texts = record(ada, 'message');
    const recovery = next(ada, 'recovery');
    dropAll(s, 'ada');
    for (const text of ['a', 'b', 'c']) await bob.send('r1', text);
    expect(await recovery).toMatchObject({ room: 'r1', recovered: false, missing: { from: 1, to: 2 } });
    await expect.poll(() => texts.map((m) => m.text)).toEqual(['c']);
  });
});
