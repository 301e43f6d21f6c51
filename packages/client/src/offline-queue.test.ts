import { encodeServerEvent } from '@roomcast/protocol';
import { describe, expect, it, vi } from 'vitest';
import type { WebSocket } from 'ws';
import type { RoomcastClient } from './client.js';
import { ackFrame, rawHarness, welcomeFrame } from './test-support/raw-server.js';
import { next } from './testing.js';

const { serve, client } = rawHarness();

// Long enough that no reconnect attempt happens unless the test calls connect().
const NO_RETRY = { initialDelayMs: 3_600_000, jitter: 0 };

/** What a call has come to so far, readable without awaiting it. */
function watch(call: Promise<unknown>): { outcome: unknown } {
  const state: { outcome: unknown } = { outcome: 'pending' };
  call.then(
    (value) => {
      state.outcome = { resolved: value };
    },
    (error: unknown) => {
      state.outcome = error;
    },
  );
  return state;
}

/** Cuts the client's socket from the server side and waits until the client knows. */
async function cut(ada: RoomcastClient, socket: WebSocket | undefined): Promise<void> {
  const reconnecting = next(ada, 'state', (s) => s.state === 'reconnecting');
  socket?.terminate();
  await reconnecting;
}

describe('calls made while offline (fake timers make the deadlines exact)', () => {
  it('wait at most offlineTimeoutMs for the connection, then reject with offline_timeout, unsent', async () => {
    const sockets: WebSocket[] = [];
    const server = await serve((socket) => {
      sockets.push(socket);
      socket.send(welcomeFrame());
    });
    const ada = client({ url: server.url, timeoutMs: 60_000, offlineTimeoutMs: 1000, reconnect: NO_RETRY });
    await ada.ready();
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    await cut(ada, sockets[0]);

    const call = watch(ada.send('lobby', 'hi'));
    await vi.advanceTimersByTimeAsync(999);
    expect(call.outcome).toBe('pending');
    await vi.advanceTimersByTimeAsync(1);
    expect(call.outcome).toMatchObject({ code: 'offline_timeout', retry: true });
    expect((call.outcome as Error).message).toBe(
      'No connection within 1000 ms; send was given up before it could be sent',
    );
    expect(server.received).toEqual([]);
    expect(sockets).toHaveLength(1);
  });

  it('start their reply timeout when they are sent, not when they were made', async () => {
    const sockets: WebSocket[] = [];
    const server = await serve((socket) => {
      sockets.push(socket);
      socket.send(welcomeFrame());
    });
    const ada = client({ url: server.url, timeoutMs: 1000, offlineTimeoutMs: 60_000, reconnect: NO_RETRY });
    await ada.ready();
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    await cut(ada, sockets[0]);

    const call = watch(ada.send('lobby', 'hi'));
    // Offline for five times the reply timeout: still waiting, not timed out.
    await vi.advanceTimersByTimeAsync(5000);
    expect(call.outcome).toBe('pending');

    ada.connect();
    await server.receivedCount(1);
    expect(JSON.parse(server.received[0] ?? '')).toMatchObject({ event: 'send', data: { room: 'lobby', text: 'hi' } });
    await vi.advanceTimersByTimeAsync(999);
    expect(call.outcome).toBe('pending');
    await vi.advanceTimersByTimeAsync(1);
    expect(call.outcome).toMatchObject({ code: 'timeout', message: 'send got no reply within 1000 ms' });
  });

  it('go out once the connection is back and resolve with their ack', async () => {
    const sockets: WebSocket[] = [];
    const server = await serve((socket) => {
      sockets.push(socket);
      socket.send(welcomeFrame());
      socket.on('message', (raw) => socket.send(ackFrame(raw.toString(), { room: 'lobby', seq: 4 })));
    });
    const ada = client({ url: server.url, timeoutMs: 1000, offlineTimeoutMs: 60_000, reconnect: NO_RETRY });
    await ada.ready();
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    await cut(ada, sockets[0]);
    const call = ada.send('lobby', 'hi');
    await vi.advanceTimersByTimeAsync(5000);
    ada.connect();
    expect(await call).toEqual({ room: 'lobby', seq: 4 });
    expect(server.received).toHaveLength(1);
  });
});

describe('calls in flight when the socket drops', () => {
  it('are sent again, same frame and clientMsgId, once the connection is back, and settle once', async () => {
    let connections = 0;
    const server = await serve((socket) => {
      const index = ++connections;
      socket.send(welcomeFrame());
      socket.on('message', (raw) => {
        // The first connection dies with the call unanswered; the second answers it.
        if (index === 1) socket.terminate();
        else socket.send(ackFrame(raw.toString(), { room: 'lobby', seq: 7 }));
      });
    });
    const ada = client({ url: server.url, reconnect: { initialDelayMs: 10, jitter: 0 } });
    await ada.ready();
    expect(await ada.send('lobby', 'hi')).toEqual({ room: 'lobby', seq: 7 });
    expect(connections).toBe(2);
    expect(server.received).toHaveLength(2);
    expect(server.received[1]).toBe(server.received[0]);
    const frame = JSON.parse(server.received[0] ?? '');
    expect(frame).toMatchObject({ event: 'send', data: { room: 'lobby', text: 'hi' } });
    expect(frame.data.clientMsgId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });

  it('wait for the connection under the offline deadline like any other call', async () => {
    const sockets: WebSocket[] = [];
    const server = await serve((socket) => {
      sockets.push(socket);
      socket.send(welcomeFrame());
    });
    const ada = client({ url: server.url, timeoutMs: 60_000, offlineTimeoutMs: 500, reconnect: NO_RETRY });
    await ada.ready();
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const call = watch(ada.join('r1'));
    await server.receivedCount(1);
    await cut(ada, sockets[0]);
    await vi.advanceTimersByTimeAsync(499);
    expect(call.outcome).toBe('pending');
    await vi.advanceTimersByTimeAsync(1);
    expect(call.outcome).toMatchObject({ code: 'offline_timeout' });
  });

  it('reject with `disconnected` instead when resendInFlight is false', async () => {
    let connections = 0;
    const server = await serve((socket) => {
      const index = ++connections;
      socket.send(welcomeFrame());
      socket.on('message', (raw) => {
        if (index === 1) socket.terminate();
        else socket.send(ackFrame(raw.toString(), { room: 'r1', members: [] }));
      });
    });
    const ada = client({ url: server.url, resendInFlight: false, reconnect: { initialDelayMs: 10, jitter: 0 } });
    await ada.ready();
    await expect(ada.send('lobby', 'hi')).rejects.toMatchObject({ code: 'disconnected', retry: true });
    // A call made after the reconnect is the next frame the server sees: the send was not repeated.
    await ada.join('r1');
    expect(server.received.map((raw) => JSON.parse(raw).event)).toEqual(['send', 'join']);
    expect(connections).toBe(2);
  });
});

describe('a join sent again after a drop', () => {
  it('keeps the presence that arrives between its resend and its ack', async () => {
    let connections = 0;
    const server = await serve((socket) => {
      const index = ++connections;
      socket.send(welcomeFrame());
      socket.on('message', (raw) => {
        if (index === 1) {
          socket.terminate();
          return;
        }
        // Another node's member joins after the server took ada's snapshot but before its ack.
        socket.send(encodeServerEvent('user:joined', { room: 'r1', user: { id: 'c7', name: 'eve' } }));
        socket.send(ackFrame(raw.toString(), { room: 'r1', members: [{ id: 'c1', name: 'ada' }] }));
      });
    });
    const ada = client({ url: server.url, reconnect: { initialDelayMs: 10, jitter: 0 } });
    await ada.ready();
    const joined = await ada.join('r1');
    expect(joined.members.map((m) => m.name)).toEqual(['ada']);
    expect(connections).toBe(2);
    expect(ada.members('r1').map((m) => m.name)).toEqual(['ada', 'eve']);
  });
});
