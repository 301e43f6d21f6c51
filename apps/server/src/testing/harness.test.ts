import { encodeServerEvent } from '@roomcast/protocol';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocketServer } from 'ws';
import { TestClient } from './harness.js';

// The harness is what makes "nothing else arrived" an assertion: it must fail on a frame the
// protocol does not allow, as a client application would refuse it.
let wss: WebSocketServer | undefined;
afterEach(async () => {
  for (const ws of wss?.clients ?? []) ws.terminate();
  await new Promise((resolve) => wss?.close(resolve));
});

async function serverSending(...frames: string[]): Promise<string> {
  wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  await new Promise((resolve) => wss?.once('listening', resolve));
  wss.on('connection', (ws) => {
    for (const f of frames) ws.send(f);
  });
  const { port } = wss.address() as { port: number };
  return `ws://127.0.0.1:${port}`;
}

const welcome = encodeServerEvent('welcome', {
  clientId: 'c1',
  name: 'ann',
  rooms: [],
  members: {},
  protocol: 1,
});

describe('TestClient', () => {
  it('fails every read once a schema-invalid frame has arrived', async () => {
    const url = await serverSending(welcome, JSON.stringify({ event: 'user:joined', data: { room: 'lobby' } }));
    const client = await TestClient.connect(url);
    await expect(client.until(() => false, 'nothing', 2000)).rejects.toThrow(/invalid frame\(s\) arrived/);
    expect(() => client.unread()).toThrow(/"event":"user:joined"/);
    expect(() => client.drain()).toThrow(/invalid frame/);
    await client.close();
  });

  it('reads valid frames as they come', async () => {
    const client = await TestClient.connect(await serverSending(welcome));
    expect(await client.next('welcome')).toMatchObject({ clientId: 'c1' });
    expect(client.unread()).toEqual([]);
    await client.close();
  });
});
