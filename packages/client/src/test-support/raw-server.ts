import type { AddressInfo } from 'node:net';
import { type Ack, encodeServerEvent, type Welcome } from '@roomcast/protocol';
import { afterEach, vi } from 'vitest';
import { WebSocket, WebSocketServer } from 'ws';
import { createClient, type RoomcastClient } from '../client.js';
import type { ClientOptions } from '../options.js';

/**
 * A bare `ws` server scripted by the test: it speaks only what `onConnection` sends, so tests
 * can show how the client copes with silence, garbage and drops.
 */
export async function rawServer(onConnection: (socket: WebSocket, url: string) => void) {
  const wss = new WebSocketServer({ port: 0, host: '127.0.0.1' });
  await new Promise<void>((resolve) => wss.once('listening', resolve));
  const received: string[] = [];
  let waiters: (() => void)[] = [];
  wss.on('connection', (socket, req) => {
    socket.on('message', (data) => {
      received.push(data.toString());
      for (const wake of waiters.splice(0)) wake();
    });
    onConnection(socket, req.url ?? '');
  });
  const { port } = wss.address() as AddressInfo;
  /** Resolves once `count` frames have arrived, by event: no polling timer that fake timers could stall or advance. */
  const receivedCount = async (count: number): Promise<void> => {
    while (received.length < count) await new Promise<void>((resolve) => waiters.push(resolve));
  };
  return {
    url: `ws://127.0.0.1:${port}/ws`,
    wss,
    received,
    receivedCount,
    close: () =>
      new Promise<void>((resolve) => {
        waiters = [];
        for (const client of wss.clients) client.terminate();
        wss.close(() => resolve());
      }),
  };
}

export function welcomeFrame(overrides: Partial<Welcome> = {}): string {
  return encodeServerEvent('welcome', {
    clientId: 'c1',
    name: 'ada',
    rooms: ['lobby'],
    members: { lobby: [{ id: 'c1', name: 'ada' }] },
    protocol: 1,
    ...overrides,
  });
}

/**
 * Scripted servers and clients for one test file, all closed after each test (real timers
 * restored first, so a test that faked them cannot stall the cleanup).
 */
export function rawHarness() {
  const cleanup: (() => unknown)[] = [];
  afterEach(async () => {
    vi.useRealTimers();
    for (const fn of cleanup.splice(0).reverse()) await fn();
  });
  return {
    async serve(onConnection: Parameters<typeof rawServer>[0]) {
      const server = await rawServer(onConnection);
      cleanup.push(server.close);
      return server;
    },
    client(options: ClientOptions): RoomcastClient {
      const c = createClient({ WebSocket, ...options });
      cleanup.push(() => c.close());
      return c;
    },
  };
}

/** An ack for a raw frame the client sent. */
export function ackFrame(raw: string, result: Ack['result']): string {
  const { id } = JSON.parse(raw) as { id: number };
  return encodeServerEvent('ack', { id, result });
}
