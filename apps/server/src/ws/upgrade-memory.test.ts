import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import type { FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { buildApp } from '../app.js';
import { TestClient } from '../testing/harness.js';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

/** Full collections, with a turn between them: a WeakRef read in this job keeps its target until the job ends. */
async function collect(): Promise<void> {
  for (let i = 0; i < 3; i++) {
    gc();
    await new Promise((resolve) => setImmediate(resolve));
  }
}

let app: FastifyInstance | undefined;
afterEach(async () => {
  await app?.close();
  app = undefined;
});

describe('an upgraded socket', () => {
  it('keeps neither the Fastify request and reply nor the HTTP request and response alive', async () => {
    app = await buildApp({ logger: false, config: { PRESENCE_GRACE_MS: 0 } });
    const seen: { request?: WeakRef<object>; reply?: WeakRef<object>; raw?: WeakRef<object>; res?: WeakRef<object> } =
      {};
    app.addHook('onRequest', async (request, reply) => {
      seen.request = new WeakRef(request);
      seen.reply = new WeakRef(reply);
      seen.raw = new WeakRef(request.raw);
      seen.res = new WeakRef(reply.raw);
    });
    const address = await app.listen({ port: 0, host: '127.0.0.1' });
    const client = await TestClient.join(`${address.replace(/^http/, 'ws')}/ws`, 'ada', 'r');
    expect(Object.keys(seen)).toEqual(['request', 'reply', 'raw', 'res']);
    await collect();
    expect({
      request: seen.request?.deref(),
      reply: seen.reply?.deref(),
      raw: seen.raw?.deref(),
      res: seen.res?.deref(),
    }).toEqual({ request: undefined, reply: undefined, raw: undefined, res: undefined });
    // Still a working connection afterwards.
    await client.sync();
    await client.close();
  });

  it('holds no closure per socket: two upgraded sockets share every close and error listener', async () => {
    app = await buildApp({ logger: false, config: { PRESENCE_GRACE_MS: 0 } });
    const sockets: import('node:net').Socket[] = [];
    app.server.on('connection', (socket) => sockets.push(socket));
    const address = await app.listen({ port: 0, host: '127.0.0.1' });
    const url = `${address.replace(/^http/, 'ws')}/ws`;
    const clients = [await TestClient.join(url, 'ada', 'r'), await TestClient.join(url, 'bob', 'r')];
    expect(sockets).toHaveLength(2);
    for (const event of ['close', 'error', 'end', 'data'] as const) {
      const [a, b] = sockets.map((s) => s.listeners(event));
      expect(a?.length, event).toBe(b?.length);
      expect(
        a?.filter((f) => !b?.includes(f)),
        event,
      ).toEqual([]);
    }
    for (const client of clients) await client.close();
  });
});
