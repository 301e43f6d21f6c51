import { encodeClientEvent } from '@roomcast/protocol';
import { afterEach, describe, expect, it } from 'vitest';
import type { Config } from '../config.js';
import { startServer, TestClient, type TestServer } from '../testing/harness.js';
import { SlowAdapter } from '../testing/slow-adapter.js';

// Every adapter call answers 50 ms late, so a welcome is always slower than anything else the
// server could write; the client's frames ride in the same TCP write as its upgrade request.
let server: TestServer;
const clients: TestClient[] = [];

async function slowServer(config: Partial<Config> = {}): Promise<SlowAdapter> {
  const adapter = new SlowAdapter(50);
  server = await startServer({ adapter, config });
  return adapter;
}
async function connectEarly(early: (string | Buffer)[], room = 'lobby') {
  const client = await TestClient.connect(server.ws, { name: 'eager', room }, { early });
  clients.push(client);
  return client;
}

afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close()));
  await server.app.close();
});

// Generous bounds: each step waits on the adapter, and the machine may be busy.
describe('welcome first, whatever the adapter latency', { timeout: 20_000 }, () => {
  it('handles frames sent with the upgrade after the welcome, in order, the welcome room joined', async () => {
    await slowServer();
    const client = await connectEarly([
      encodeClientEvent('send', { room: 'lobby', text: 'first' }, 1),
      encodeClientEvent('join', { room: 'second' }, 2),
      encodeClientEvent('send', { room: 'second', text: 'again' }, 3),
    ]);
    const welcome = await client.next('welcome');
    const me = { id: welcome.clientId, name: 'eager' };
    expect(welcome.rooms).toEqual(['lobby']);
    expect(await client.next('message')).toMatchObject({ room: 'lobby', seq: 1, text: 'first', from: me });
    expect(await client.next('ack')).toEqual({ id: 1, result: { room: 'lobby', seq: 1 } });
    expect(await client.next('ack')).toEqual({
      id: 2,
      result: { room: 'second', members: [me], position: { epoch: expect.any(String), seq: 0 } },
    });
    expect(await client.next('message')).toMatchObject({ room: 'second', seq: 1, text: 'again', from: me });
    expect(await client.next('ack')).toEqual({ id: 3, result: { room: 'second', seq: 1 } });
    await client.sync();
    expect(client.unread()).toEqual([]);
  });

  it('holds even the replies that need no handling (rate_limited, binary_unsupported) until the welcome', async () => {
    await slowServer({ RATE_LIMIT_PER_SEC: 1, RATE_LIMIT_BURST: 2 });
    const client = await connectEarly([
      Buffer.from([1, 2, 3]),
      encodeClientEvent('send', { room: 'lobby', text: 'in' }, 1),
      encodeClientEvent('send', { room: 'lobby', text: 'dropped' }, 2),
    ]);
    await client.until(() => client.frames.some((f) => f.event === 'ack'), 'the ack');
    expect(client.frames.map((f) => f.event)).toEqual(['welcome', 'error', 'error', 'message', 'ack']);
    expect(client.frames[1]?.data).toMatchObject({ code: 'binary_unsupported' });
    expect(client.frames[2]?.data).toMatchObject({ code: 'rate_limited', id: 2 });
    expect(client.frames[4]?.data).toEqual({ id: 1, result: { room: 'lobby', seq: 1 } });
  });

  it('never puts a connection that closed during its welcome into the room', async () => {
    const adapter = await slowServer();
    adapter.pause();
    const gone = await TestClient.connect(server.ws, { name: 'gone' });
    gone.socket.terminate();
    await expect.poll(() => server.app.hub.connections.size).toBe(0);
    // Only now does the adapter answer the join of `gone`'s welcome.
    adapter.resume();
    const ann = await TestClient.connect(server.ws, { name: 'ann' });
    clients.push(ann);
    expect((await ann.next('welcome')).members).toEqual({ lobby: [{ id: expect.any(String), name: 'ann' }] });
    await ann.sync();
    expect(ann.unread()).toEqual([]);
    expect(server.app.hub.roomNames()).toEqual([{ room: 'lobby', members: 1 }]);
  });
});
