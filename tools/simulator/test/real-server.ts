import { buildApp } from '@roomcast/server';

/** The real Roomcast server on a free loopback port, as every test in this repo uses it. */
export async function startRealServer(): Promise<{ url: string; httpUrl: string; close(): Promise<void> }> {
  const app = await buildApp({ logger: false, closeGraceMs: 200, config: { PRESENCE_GRACE_MS: 0 } });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return { url: `ws://127.0.0.1:${port}/ws`, httpUrl: `http://127.0.0.1:${port}`, close: () => app.close() };
}
