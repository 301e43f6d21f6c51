import { afterEach, describe, expect, it } from 'vitest';
import { MemoryAdapter } from '../adapters/memory/index.js';
import { buildApp } from '../app.js';
import { startServer, TestClient, type TestServer } from '../testing/harness.js';

/** An adapter whose backing service can be taken away, as a Redis adapter's connection can. */
class SwitchableAdapter extends MemoryAdapter {
  up = true;
  override ready(): boolean {
    return this.up;
  }
}

let server: TestServer | undefined;
afterEach(async () => {
  await server?.app.close();
  server = undefined;
});

describe('GET /readyz', () => {
  it('is 503 "starting" until the server listens, then 200', async () => {
    const app = await buildApp({ logger: false });
    const early = await app.inject('/readyz');
    expect(early.statusCode).toBe(503);
    const node = app.hub.adapter.node;
    expect(early.json()).toEqual({ status: 'not_ready', reason: 'starting', adapter: 'memory', node });
    const address = await app.listen({ port: 0, host: '127.0.0.1' });
    server = { app, http: address, ws: '' };
    const res = await fetch(`${address}/readyz`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: 'ready', adapter: 'memory', node });
  });

  it('is 503 "adapter" while the backing service is unreachable', async () => {
    const adapter = new SwitchableAdapter();
    server = await startServer({ adapter });
    adapter.up = false;
    const down = await fetch(`${server.http}/readyz`);
    expect(down.status).toBe(503);
    expect(await down.json()).toEqual({
      status: 'not_ready',
      reason: 'adapter',
      adapter: 'memory',
      node: adapter.node,
    });
    adapter.up = true;
    expect((await fetch(`${server.http}/readyz`)).status).toBe(200);
  });

  it('is 503 while shutting down', async () => {
    server = await startServer({ closeGraceMs: 1500 });
    const ann = await TestClient.join(server.ws, 'ann');
    // A client that never answers the close keeps shutdown in its grace period.
    (ann.socket as unknown as { _socket: { pause(): void } })._socket.pause();
    let closed = false;
    const closing = server.app.close().then(() => {
      closed = true;
    });
    let status = 0;
    for (let i = 0; i < 20 && status !== 503; i++) status = (await fetch(`${server.http}/readyz`)).status;
    expect(status).toBe(503);
    expect(closed).toBe(false);
    await closing;
    server = undefined;
  });
});
