import type { AddressInfo } from 'node:net';
import { encodeServerEvent, type Welcome } from '@roomcast/protocol';
import { type WebSocket, WebSocketServer } from 'ws';

/**
 * A bare `ws` server scripted by the test: it speaks only what `onConnection` sends, so tests
 * can show how the client copes with silence, garbage and drops.
 */
export async function rawServer(onConnection: (socket: WebSocket, url: string) => void) {
  const wss = new WebSocketServer({ port: 0, host: '127.0.0.1' });
  await new Promise<void>((resolve) => wss.once('listening', resolve));
  const received: string[] = [];
  wss.on('connection', (socket, req) => {
    socket.on('message', (data) => received.push(data.toString()));
    onConnection(socket, req.url ?? '');
  });
  const { port } = wss.address() as AddressInfo;
  return {
    url: `ws://127.0.0.1:${port}/ws`,
    wss,
    received,
    close: () =>
      new Promise<void>((resolve) => {
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
