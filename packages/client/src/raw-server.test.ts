import type { AddressInfo } from 'node:net';
import { createServer } from 'node:net';
import { encodeServerEvent } from '@roomcast/protocol';
import { describe, expect, it } from 'vitest';
import { rawHarness, welcomeFrame } from './test-support/raw-server.js';
import { next, record } from './testing.js';

const { serve, client } = rawHarness();

describe('timeouts', () => {
  it('rejects a call the server never answers with `timeout`, per call', async () => {
    const server = await serve((socket) => socket.send(welcomeFrame()));
    const ada = client({ url: server.url, timeoutMs: 150 });
    await ada.ready();
    const started = Date.now();
    await expect(ada.join('quiet')).rejects.toMatchObject({ code: 'timeout', retry: true });
    // The timeout is a lower bound only; how much later it fires depends on the machine.
    expect(Date.now() - started).toBeGreaterThanOrEqual(140);
    await expect(ada.send('lobby', 'x', { timeoutMs: 50 })).rejects.toMatchObject({ code: 'timeout' });
    expect(server.received.map((raw) => JSON.parse(raw).event)).toEqual(['join', 'send']);
    expect(ada.state).toBe('open');
  });

  it('ignores an ack that arrives after its call timed out', async () => {
    let socketRef: import('ws').WebSocket | undefined;
    const server = await serve((socket) => {
      socketRef = socket;
      socket.send(welcomeFrame());
    });
    const ada = client({ url: server.url, timeoutMs: 50 });
    await ada.ready();
    const invalid = record(ada, 'invalid');
    await expect(ada.join('late')).rejects.toMatchObject({ code: 'timeout' });
    const id = JSON.parse(server.received[0] ?? '{}').id as number;
    const marker = next(ada, 'user:joined');
    socketRef?.send(encodeServerEvent('ack', { id, result: { room: 'late', members: [] } }));
    // Frames are handled in order: once the marker is in, the late ack has been handled.
    socketRef?.send(encodeServerEvent('user:joined', { room: 'lobby', user: { id: 'c2', name: 'bob' } }));
    await marker;
    expect(ada.rooms()).toEqual(['lobby']);
    expect(invalid).toEqual([]);
  });

  it('gives up on an attempt that gets no welcome and tries again', async () => {
    let connections = 0;
    const server = await serve(() => {
      connections++;
    });
    const ada = client({ url: server.url, connectTimeoutMs: 100, reconnect: { initialDelayMs: 10, jitter: 0 } });
    const change = await next(ada, 'state', (s) => s.state === 'reconnecting');
    expect(change).toMatchObject({ previous: 'connecting', attempt: 1, delayMs: 10, code: 1006 });
    expect(change.reason).toContain('No welcome');
    await expect.poll(() => connections).toBeGreaterThanOrEqual(2);
  });
});

describe('validation of what the server sends', () => {
  it('reports frames that fail the schema and never acts on them', async () => {
    const server = await serve((socket) => {
      socket.send(welcomeFrame());
      socket.send('not json');
      socket.send(JSON.stringify({ event: 'message', data: { room: 'lobby', text: 'no seq or sender' } }));
      socket.send(JSON.stringify({ event: 'shout', data: {} }));
      socket.send(Buffer.from('binary'), { binary: true });
      socket.send(encodeServerEvent('user:joined', { room: 'lobby', user: { id: 'c2', name: 'bob' } }));
    });
    const ada = client({ url: server.url });
    const invalid = record(ada, 'invalid');
    const messages = record(ada, 'message');
    await next(ada, 'user:joined');
    expect(invalid.map((i) => i.error.code)).toEqual([
      'bad_json',
      'invalid_payload',
      'unknown_event',
      'binary_unsupported',
    ]);
    expect(invalid[1]?.error.message).toMatch(/\/data/);
    expect(invalid[0]?.raw).toBe('not json');
    expect(messages).toEqual([]);
    expect(ada.members('lobby').map((m) => m.name)).toEqual(['ada', 'bob']);
  });

  it('rejects a call whose ack does not match it, instead of resolving with it', async () => {
    const server = await serve((socket) => {
      socket.send(welcomeFrame());
      socket.on('message', (raw) => {
        const { id } = JSON.parse(raw.toString()) as { id: number };
        // A send's result shape in reply to a join.
        socket.send(encodeServerEvent('ack', { id, result: { room: 'x', seq: 1 } }));
      });
    });
    const ada = client({ url: server.url });
    await ada.ready();
    const invalid = next(ada, 'invalid');
    await expect(ada.join('x')).rejects.toMatchObject({ code: 'invalid_frame' });
    expect((await invalid).error.message).toContain('join');
    expect(ada.rooms()).toEqual(['lobby']);
  });

  it('accepts an ack result with fields this version does not know (a newer server)', async () => {
    const server = await serve((socket) => {
      socket.send(welcomeFrame());
      socket.on('message', (raw) => {
        const { id } = JSON.parse(raw.toString()) as { id: number };
        socket.send(JSON.stringify({ event: 'ack', data: { id, result: { room: 'x', members: [], later: true } } }));
      });
    });
    const ada = client({ url: server.url });
    await ada.ready();
    await expect(ada.join('x')).resolves.toEqual({ room: 'x', members: [], later: true });
    expect(ada.rooms()).toEqual(['lobby', 'x']);
  });

  it('rejects a call whose reply is malformed at once, not after the timeout', async () => {
    const server = await serve((socket) => {
      socket.send(welcomeFrame());
      socket.on('message', (raw) => {
        const { id } = JSON.parse(raw.toString()) as { id: number };
        socket.send(JSON.stringify({ event: 'ack', data: { id, result: 'yes' } }));
      });
    });
    const ada = client({ url: server.url, timeoutMs: 60_000 });
    await ada.ready();
    await expect(ada.send('lobby', 'hi')).rejects.toMatchObject({ code: 'invalid_frame' });
  });

  it('does not trust anything before the welcome', async () => {
    const server = await serve((socket) => {
      socket.send(encodeServerEvent('user:joined', { room: 'lobby', user: { id: 'x', name: 'eve' } }));
      socket.send(welcomeFrame());
      socket.send(welcomeFrame({ clientId: 'other' }));
    });
    const ada = client({ url: server.url });
    const invalid = record(ada, 'invalid');
    const welcome = await ada.ready();
    await expect.poll(() => invalid.length).toBe(2);
    expect(welcome.clientId).toBe('c1');
    expect(ada.welcome?.clientId).toBe('c1');
    expect(ada.members('lobby').map((m) => m.name)).toEqual(['ada']);
  });
});

describe('closing', () => {
  it('closes during a connection attempt without an unhandled error', async () => {
    // Accepts the TCP connection and never answers the upgrade: the attempt stays in CONNECTING.
    const silent = createServer();
    const accepted = new Promise<void>((resolve) => silent.once('connection', () => resolve()));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = silent.address() as AddressInfo;
      const ada = client({ url: `ws://127.0.0.1:${port}/ws` });
      await accepted;
      expect(ada.state).toBe('connecting');
      ada.close();
      expect(ada.state).toBe('closed');
      // ws reports the aborted handshake on the next tick; unheard, Node would throw it there.
      await new Promise((resolve) => setImmediate(resolve));
    } finally {
      await new Promise((resolve) => silent.close(resolve));
    }
  });
});
