import { buildApp } from '@roomcast/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runScenario } from '../src/index.js';

// A server that announces departures only after a grace: the simulator must be told it, and then
// waits it out before judging user:left.
describe.concurrent('--presence-grace-ms against a server with PRESENCE_GRACE_MS=3000', () => {
  let app: Awaited<ReturnType<typeof buildApp>>;
  let url: string;
  beforeAll(async () => {
    app = await buildApp({ logger: false, closeGraceMs: 200, config: { PRESENCE_GRACE_MS: 3000 } });
    await app.listen({ port: 0, host: '127.0.0.1' });
    const address = app.server.address();
    url = `ws://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}/ws`;
  });
  afterAll(() => app.close());

  // Reconnects close connections all through the run; their user:left comes 3 s after each close.
  const options = { clients: 12, rooms: 3, rate: 8, duration: 1.5, seed: 21, workers: 1 };

  it('told the grace, semantics holds: every late user:left is waited for and counted', async () => {
    const r = await runScenario('semantics', { ...options, url, presenceGraceMs: 3000 });
    expect(r.checks.filter((c) => !c.ok)).toEqual([]);
    expect(r.ok).toBe(true);
    // The run reconnected clients, so there were departures to wait for.
    expect(r.connections.opened).toBeGreaterThan(12);
    expect(r.traffic.presence).toBeGreaterThan(0);
  });

  it('not told, the departures come after the verdict and are reported missing', async () => {
    const r = await runScenario('semantics', { ...options, url });
    expect(r.ok).toBe(false);
    expect(r.checks.filter((c) => !c.ok).map((c) => c.rule)).toEqual(['presence-to-others']);
  });
});
