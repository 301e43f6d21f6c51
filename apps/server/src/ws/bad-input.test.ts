import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import type { Config } from '../config.js';
import { startServer, TestClient, type TestServer } from '../testing/harness.js';

let server: TestServer;
const clients: TestClient[] = [];

async function setup(config: Partial<Config> = {}) {
  server = await startServer({ config });
  const offender = await TestClient.join(server.ws, 'mallory');
  const bystander = await TestClient.join(server.ws, 'ann');
  await offender.next('user:joined');
  clients.push(offender, bystander);
  return { offender, bystander };
}

/** The bystander saw nothing but what it should, and the server still serves it. */
async function bystanderUnharmed(bystander: TestClient, expected: string[] = ['user:left']) {
  await bystander.sync();
  expect(bystander.drain().filter((f) => !expected.includes(f.event))).toEqual([]);
  bystander.emit('send', { room: 'lobby', text: 'still here' });
  expect(await bystander.next('message')).toMatchObject({ text: 'still here' });
}

afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close()));
  await server.app.close();
});

describe('bad frames get a typed error and the connection stays open', () => {
  it('invalid JSON -> bad_json', async () => {
    const { offender, bystander } = await setup();
    offender.sendRaw('{"event": "send", ');
    expect(await offender.next('error')).toEqual({ code: 'bad_json', message: 'The frame is not valid JSON' });
    await bystanderUnharmed(bystander);
    expect(offender.closed).toBeUndefined();
  });

  it('not an envelope -> invalid_payload naming the path', async () => {
    const { offender, bystander } = await setup();
    offender.sendRaw('{"data":{"room":"lobby"},"id":9}');
    const err = await offender.next('error');
    expect(err).toMatchObject({ code: 'invalid_payload', id: 9 });
    expect(err.message).toMatch(/^\/event/);
    offender.sendRaw('"just a string"');
    expect(await offender.next('error')).toMatchObject({ code: 'invalid_payload' });
    await bystanderUnharmed(bystander);
  });

  it('unknown event -> unknown_event with the id', async () => {
    const { offender, bystander } = await setup();
    offender.sendRaw(JSON.stringify({ event: 'welcome', data: {}, id: 4 }));
    expect(await offender.next('error')).toEqual({ code: 'unknown_event', message: 'Unknown event "welcome"', id: 4 });
    await bystanderUnharmed(bystander);
  });

  it('payload failing the schema -> invalid_payload with the failing path', async () => {
    const { offender, bystander } = await setup();
    offender.sendRaw(JSON.stringify({ event: 'send', data: { room: 'lobby', text: '' }, id: 5 }));
    const err = await offender.next('error');
    expect(err).toMatchObject({ code: 'invalid_payload', id: 5 });
    expect(err.message).toMatch(/^\/data\/text: /);
    offender.sendRaw(JSON.stringify({ event: 'join', data: { room: '../etc' }, id: 6 }));
    expect((await offender.next('error')).message).toMatch(/^\/data\/room: /);
    await bystanderUnharmed(bystander);
  });

  it('binary frame -> binary_unsupported', async () => {
    const { offender, bystander } = await setup();
    offender.sendRaw(Buffer.from([1, 2, 3]), true);
    expect(await offender.next('error')).toMatchObject({ code: 'binary_unsupported' });
    await bystanderUnharmed(bystander);
    expect(offender.closed).toBeUndefined();
  });
});

describe('limits', () => {
  it('closes with 1009 on a frame over MAX_FRAME_BYTES, and only that socket', async () => {
    const { offender, bystander } = await setup({ MAX_FRAME_BYTES: 1024 });
    offender.sendRaw(JSON.stringify({ event: 'send', data: { room: 'lobby', text: 'x'.repeat(2000) } }));
    expect((await offender.waitClosed()).code).toBe(1009);
    expect(await bystander.next('user:left')).toMatchObject({ user: { name: 'mallory' } });
    await bystanderUnharmed(bystander);
  });

  it('rate limits a flood with rate_limited errors, then closes it with 4002', async () => {
    const { offender, bystander } = await setup({ RATE_LIMIT_PER_SEC: 1, RATE_LIMIT_BURST: 5 });
    for (let i = 0; i < 40; i++) offender.emit('send', { room: 'lobby', text: `spam ${i}` });
    expect((await offender.waitClosed()).code).toBe(4002);
    const limited = offender.frames.filter((f) => f.event === 'error' && f.data.code === 'rate_limited');
    expect(limited.length).toBeGreaterThan(0);
    // Every dropped frame got its own reply: the ids answered are distinct.
    const ids = limited.map((f) => (f.event === 'error' ? f.data.id : undefined));
    expect(new Set(ids).size).toBe(ids.length);
    const delivered = bystander.frames.filter((f) => f.event === 'message');
    expect(delivered.length).toBeLessThanOrEqual(5);
    await bystanderUnharmed(bystander, ['user:left', 'message']);
  });

  it('refuses connections over MAX_CONNECTIONS with 1013', async () => {
    await setup({ MAX_CONNECTIONS: 2 });
    const third = await TestClient.connect(server.ws, { name: 'late' });
    clients.push(third);
    expect((await third.waitClosed()).code).toBe(1013);
    expect(third.frames).toEqual([]);
  });

  it('cuts off a slow reader with 4001 while the others keep receiving', async () => {
    const { offender, bystander } = await setup({ MAX_BUFFERED_BYTES: 1024 });
    // Stop reading from the socket: the server's send buffer for it fills up.
    (offender.socket as unknown as { _socket: { pause(): void } })._socket.pause();
    const text = 'y'.repeat(2000);
    let count = 0;
    while (server.app.hub.connections.size === 2 && count < 5000) {
      const res = await fetch(`${server.http}/rooms/lobby/messages`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ text }),
      });
      expect(res.status).toBe(200);
      count++;
    }
    expect(server.app.hub.connections.size).toBe(1);
    const metrics = await (await fetch(`${server.http}/metrics`)).text();
    expect(metrics).toMatch(/roomcast_frames_dropped_total\{reason="slow_consumer"\} [1-9]/);
    await bystander.until(
      () => bystander.frames.filter((f) => f.event === 'message').length === count,
      'every message',
    );
  }, 40_000);
});

describe('handshake', () => {
  it.each([
    ['room', 'no spaces allowed'],
    ['name', ''],
    ['name', 'x'.repeat(33)],
  ])('refuses a bad %s with 400 and a reason', async (key, value) => {
    server = await startServer();
    const status = await new Promise<number>((resolve, reject) => {
      const ws = new WebSocket(`${server.ws}?${new URLSearchParams({ [key]: value })}`);
      ws.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
      ws.on('open', () => reject(new Error('upgrade should have been refused')));
    });
    expect(status).toBe(400);
    const ok = await TestClient.join(server.ws, 'fine');
    clients.push(ok);
  });
});

describe('dead peers', () => {
  it('terminates a peer that stops answering pings and tells its rooms', async () => {
    server = await startServer({ config: { HEARTBEAT_MS: 100 } });
    const ann = await TestClient.join(server.ws, 'ann');
    clients.push(ann);
    // A peer that never pongs, like a vanished network path.
    const ghost = new WebSocket(`${server.ws}?name=ghost`, { autoPong: false });
    await new Promise((resolve) => ghost.once('open', resolve));
    expect(await ann.next('user:joined')).toMatchObject({ user: { name: 'ghost' } });
    const code = await new Promise<number>((resolve) => ghost.once('close', (c) => resolve(c)));
    expect(code).toBe(1006);
    expect(await ann.next('user:left')).toMatchObject({ user: { name: 'ghost' } });
    // ann answers pings automatically and stays.
    expect(ann.closed).toBeUndefined();
    const metrics = await (await fetch(`${server.http}/metrics`)).text();
    expect(metrics).toContain('roomcast_disconnects_total{reason="heartbeat_timeout"} 1');
  });
});
