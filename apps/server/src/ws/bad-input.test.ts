import type { Socket } from 'node:net';
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

  it('answers exactly RATE_LIMIT_BURST dropped frames with rate_limited, then closes the flood with 4002', async () => {
    // One token a second: the 40 frames arrive long before a second one accrues.
    const { offender, bystander } = await setup({ RATE_LIMIT_PER_SEC: 1, RATE_LIMIT_BURST: 5 });
    for (let i = 0; i < 40; i++) offender.emit('send', { room: 'lobby', text: `spam ${i}` });
    expect((await offender.waitClosed()).code).toBe(4002);
    // 5 frames pass (the burst), the next 5 are dropped with a reply each, the 11th is the flood.
    const limited = offender.frames.filter((f) => f.event === 'error' && f.data.code === 'rate_limited');
    expect(limited.map((f) => (f.event === 'error' ? f.data.id : undefined))).toEqual([6, 7, 8, 9, 10]);
    // The accepted frames may or may not be handled before the close removes their sender.
    expect(bystander.frames.filter((f) => f.event === 'message').length).toBeLessThanOrEqual(5);
    await bystanderUnharmed(bystander, ['user:left', 'message']);
    const metrics = await (await fetch(`${server.http}/metrics`)).text();
    expect(metrics).toContain('roomcast_disconnects_total{reason="flood"} 1');
    // Every frame past the first 5 is dropped and counted: the 5 answered, the flood, the 29 already sent behind it.
    expect(metrics).toContain('roomcast_frames_dropped_total{reason="rate_limited"} 35\n');
  });

  it('refuses connections over MAX_CONNECTIONS with 1013', async () => {
    await setup({ MAX_CONNECTIONS: 2 });
    const third = await TestClient.connect(server.ws, { name: 'late' });
    clients.push(third);
    expect(await third.waitClosed()).toEqual({ code: 1013, reason: 'Connection limit reached' });
    expect(third.frames).toEqual([]);
    const metrics = await (await fetch(`${server.http}/metrics`)).text();
    expect(metrics).toContain('roomcast_disconnects_total{reason="try_again_later"} 1');
  });

  it('cuts off a flooder that does not answer the close within the handshake bound', { timeout: 20_000 }, async () => {
    const { offender, bystander } = await setup({ RATE_LIMIT_PER_SEC: 1, RATE_LIMIT_BURST: 2 });
    for (let i = 0; i < 10; i++) offender.emit('send', { room: 'lobby', text: `spam ${i}` });
    // Never read the close frame, so never answer it: only the server's own bound ends this.
    (offender.socket as unknown as { _socket: Socket })._socket.pause();
    // The server waits 1 s for the close handshake; 5 s only bounds a failure.
    await bystander.until(() => bystander.frames.some((f) => f.event === 'user:left'), 'user:left', 5000);
    expect(server.app.hub.connections.size).toBe(1);
    const metrics = await (await fetch(`${server.http}/metrics`)).text();
    expect(metrics).toContain('roomcast_disconnects_total{reason="flood"} 1');
  });

  // ~2,000 publishes fill the kernel's buffers first: 1-3 s here, far more under `pnpm mutate`.
  it('cuts off a reader with more than MAX_BUFFERED_BYTES queued, with 4001, while the others keep receiving', {
    timeout: 30_000,
  }, async () => {
    const limit = 1024;
    const { offender, bystander } = await setup({ MAX_BUFFERED_BYTES: limit });
    const onServer = [...server.app.hub.connections.values()].find((c) => c.name === 'mallory');
    if (!onServer) throw new Error('mallory is not on the server');
    // Stop reading: once the kernel's buffers are full, the server's own queue for it grows.
    const tcp = (offender.socket as unknown as { _socket: Socket })._socket;
    tcp.pause();
    const draft = { room: 'lobby', from: { id: 'server', name: 'server' }, text: 'y'.repeat(2000) };
    const frameBytes = Buffer.byteLength(JSON.stringify({ event: 'message', data: { ...draft, sentAt: 0, seq: 0 } }));
    let published = 0;
    let mostQueuedWhileOpen = 0;
    while (onServer.open && published < 20_000) {
      await server.app.hub.publish('lobby', { ...draft, sentAt: Date.now() }, 'http');
      published++;
      if (onServer.open) mostQueuedWhileOpen = Math.max(mostQueuedWhileOpen, onServer.socket.bufferedAmount);
      // Let the bystander read now and then: it must not become a slow reader itself.
      if (published % 16 === 0) await new Promise((resolve) => setImmediate(resolve));
    }
    expect(onServer.closedBy).toBe('slow_consumer');
    // The check runs before each write, so at most one frame ever goes past the limit.
    expect(mostQueuedWhileOpen).toBeLessThanOrEqual(limit + frameBytes + 64);
    // Read again: the close frame comes after what was queued, well inside the close handshake.
    tcp.resume();
    expect(await offender.waitClosed()).toEqual({
      code: 4001,
      reason: 'The client read too slowly and its send buffer overflowed',
    });
    const metrics = await (await fetch(`${server.http}/metrics`)).text();
    expect(metrics).toContain('roomcast_disconnects_total{reason="slow_consumer"} 1');
    expect(metrics).toMatch(/roomcast_frames_dropped_total\{reason="slow_consumer"\} 1\n/);
    await bystander.until(
      () => bystander.frames.filter((f) => f.event === 'message').length === published,
      `all ${published} messages`,
      10_000,
    );
    await bystanderUnharmed(bystander, ['user:left', 'message']);
  });
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
  it('pings nobody when HEARTBEAT_MS is 0', async () => {
    server = await startServer({ config: { HEARTBEAT_MS: 0 } });
    const silent = await TestClient.connect(server.ws, { name: 'silent' }, { autoPong: false });
    clients.push(silent);
    let pings = 0;
    silent.socket.on('ping', () => pings++);
    await silent.next('welcome');
    // Round trips, not a sleep: a heartbeat at any interval the timer allows would have pinged by now.
    for (let i = 0; i < 5; i++) await silent.sync();
    expect(pings).toBe(0);
    expect(silent.closed).toBeUndefined();
  });

  // Long enough that a healthy peer on this loaded machine always answers a ping within one interval.
  const HEARTBEAT_MS = 1000;

  it('closes a peer that missed one ping with 4003 at the next one, and tells its rooms', {
    timeout: 15_000,
  }, async () => {
    server = await startServer({ config: { HEARTBEAT_MS } });
    const ann = await TestClient.join(server.ws, 'ann');
    clients.push(ann);
    let annPings = 0;
    ann.socket.on('ping', () => annPings++);
    // A peer that never pongs, like a vanished network path.
    const started = Date.now();
    const ghost = await TestClient.connect(server.ws, { name: 'ghost' }, { autoPong: false });
    clients.push(ghost);
    let ghostPings = 0;
    ghost.socket.on('ping', () => ghostPings++);
    await ghost.next('welcome');
    expect(await ann.next('user:joined')).toMatchObject({ user: { name: 'ghost' } });

    expect(await ghost.waitClosed(4 * HEARTBEAT_MS)).toEqual({ code: 4003, reason: 'The client did not answer pings' });
    // Pinged once, found silent at the very next tick: gone within two intervals (plus slack for a busy machine).
    expect(ghostPings).toBe(1);
    expect(Date.now() - started).toBeLessThan(2 * HEARTBEAT_MS + 1500);
    expect(await ann.next('user:left')).toMatchObject({ user: { name: 'ghost' } });
    // ann answered and was pinged again at the tick that dropped the ghost; it is still served.
    await ann.until(() => annPings >= 2, 'the second ping', 2 * HEARTBEAT_MS);
    await ann.sync();
    expect(ann.closed).toBeUndefined();
    const metrics = await (await fetch(`${server.http}/metrics`)).text();
    expect(metrics).toContain('roomcast_disconnects_total{reason="heartbeat_timeout"} 1');
  });
});
