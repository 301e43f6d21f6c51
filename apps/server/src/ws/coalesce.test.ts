import type { Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { startServer, TestClient, type TestServer } from '../testing/harness.js';

let server: TestServer | undefined;
afterEach(async () => {
  await server?.app.close();
  server = undefined;
});

const from = { id: 'server', name: 'server' };
function tcpOf(server: TestServer, clientId: string): Socket {
  const conn = server.app.hub.connections.get(clientId);
  if (!conn) throw new Error(`no connection ${clientId}`);
  return (conn.socket as unknown as { _socket: Socket })._socket;
}

describe('COALESCE_WRITES', () => {
  it.each([
    [true, 1],
    [false, 0],
  ])(
    'on=%s: the socket stays corked (%i) for the rest of the turn, then every frame arrives in order',
    async (on, corked) => {
      server = await startServer({ config: { COALESCE_WRITES: on } });
      const ada = await TestClient.join(server.ws, 'ada', 'r');
      const tcp = tcpOf(server, ada.id);
      const texts = ['one', 'two', 'three'];
      const published = Promise.all(
        texts.map((text) => server?.app.hub.publish('r', { room: 'r', from, text, sentAt: 0 }, 'http')),
      );
      // The in-memory broker delivers synchronously: all three are written in this turn.
      expect(tcp.writableCorked).toBe(corked);
      await published;
      for (const text of texts) expect((await ada.next('message')).text).toBe(text);
      expect(tcp.writableCorked).toBe(0);
      await ada.close();
    },
  );
});
