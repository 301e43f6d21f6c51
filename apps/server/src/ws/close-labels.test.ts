import { Writable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { startServer, TestClient, type TestServer } from '../testing/harness.js';

let server: TestServer;
afterEach(async () => {
  await server?.app.close();
});

const disconnectLines = async () =>
  (await server.app.metrics.registry.metrics()).split('\n').filter((l) => l.startsWith('roomcast_disconnects_total{'));

/** A masked client frame written straight to the socket, bypassing the client's own checks. */
function frame(firstByte: number, payload: Buffer): Buffer {
  const mask = Buffer.from([1, 2, 3, 4]);
  const masked = Buffer.from(payload.map((b, i) => b ^ (mask[i % 4] as number)));
  return Buffer.concat([Buffer.from([firstByte, 0x80 | payload.length]), mask, masked]);
}
const rawWrite = (c: TestClient, bytes: Buffer) =>
  (c.socket as unknown as { _socket: { write(b: Buffer): void } })._socket.write(bytes);

describe('disconnect labels are bounded', () => {
  it('peer close codes outside 1000-1015 share one "other" series', async () => {
    server = await startServer();
    const n = 30;
    const clients = await Promise.all(Array.from({ length: n }, (_, i) => TestClient.join(server.ws, `c${i}`)));
    clients.forEach((c, i) => {
      c.socket.close(4000 + i * 17);
    });
    await clients[0]?.until(() => server.app.hub.connections.size === 0, 'every close');
    const normal = await TestClient.join(server.ws, 'n');
    normal.socket.close(1000);
    await normal.until(() => server.app.hub.connections.size === 0, 'the normal close');
    expect(await disconnectLines()).toEqual([
      `roomcast_disconnects_total{reason="other"} ${n}`,
      'roomcast_disconnects_total{reason="1000"} 1',
    ]);
  });

  it('closes the server makes for bad frames are labelled by reason, logged once at debug without a stack', async () => {
    const lines: { level: number; msg: string; err?: unknown }[] = [];
    const stream = new Writable({
      write(chunk, _enc, done) {
        for (const line of chunk.toString().split('\n').filter(Boolean)) lines.push(JSON.parse(line));
        done();
      },
    });
    server = await startServer({ logger: { level: 'debug', stream }, config: { MAX_FRAME_BYTES: 1024 } });
    const cases: [string, (c: TestClient) => void, number][] = [
      ['invalid_data', (c) => rawWrite(c, frame(0x81, Buffer.from([0xff, 0xfe, 0xfd]))), 1007],
      ['protocol_error', (c) => rawWrite(c, frame(0xc1, Buffer.from('hi'))), 1002],
      ['message_too_big', (c) => c.sendRaw('x'.repeat(2000)), 1009],
    ];
    for (const [, act, code] of cases) {
      const c = await TestClient.join(server.ws, 'mallory');
      act(c);
      expect((await c.waitClosed()).code).toBe(code);
      await c.until(() => server.app.hub.connections.size === 0, 'the server side close');
    }
    expect(await disconnectLines()).toEqual([
      'roomcast_disconnects_total{reason="invalid_data"} 1',
      'roomcast_disconnects_total{reason="protocol_error"} 1',
      'roomcast_disconnects_total{reason="message_too_big"} 1',
    ]);
    expect(lines.filter((l) => l.level >= 40)).toEqual([]);
    const protocolLines = lines.filter((l) => l.msg === 'peer protocol error');
    expect(protocolLines).toHaveLength(3);
    for (const l of protocolLines) {
      expect(l.level).toBe(20);
      expect(l.err).toBeUndefined();
    }
  });
});
