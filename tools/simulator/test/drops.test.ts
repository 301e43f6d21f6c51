import { buildApp } from '@roomcast/server';
import { afterEach, describe, expect, it } from 'vitest';
import { runScenario } from '../src/index.js';
import { startFaultProxy } from '../src/testing/index.js';

const apps: { close(): Promise<unknown> }[] = [];
afterEach(async () => {
  await Promise.all(apps.splice(0).map((a) => a.close()));
});

async function startNode(config: Record<string, number>): Promise<string> {
  const app = await buildApp({ logger: false, closeGraceMs: 200, config });
  await app.listen({ port: 0, host: '127.0.0.1' });
  apps.push(app);
  const address = app.server.address();
  return `ws://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}/ws`;
}

const small = { clients: 8, rooms: 2, senders: 3, rate: 10, duration: 2, drops: 5, workers: 1, seed: 9 };
const failing = (r: Awaited<ReturnType<typeof runScenario>>) => r.checks.filter((c) => !c.ok).map((c) => c.rule);

describe('drops: cut connections resume with nothing lost', () => {
  it('passes against a server with a presence grace: every message once, in order, every resume recovered', async () => {
    const url = await startNode({ PRESENCE_GRACE_MS: 5000 });
    const r = await runScenario('drops', { ...small, url, presenceGraceMs: 5000 });
    expect(failing(r)).toEqual([]);
    expect(r.ok).toBe(true);
    expect(r.checks.map((c) => c.rule)).toEqual(
      expect.arrayContaining(['resume-recovered', 'presence-across-drops', 'delivery-complete']),
    );
    expect(r.drops?.cuts).toBe(5);
    expect(r.drops?.drops).toBe(5);
    expect(r.drops?.resumed).toBe(5);
    expect(r.drops?.deliveryRatio).toBe(100);
    expect(r.drops?.expected).toBeGreaterThan(20);
    expect(r.drops?.received).toBe(r.drops?.expected);
  });

  it('fails when the server keeps no history: resumes are reported not recovered', async () => {
    const url = await startNode({ PRESENCE_GRACE_MS: 5000, HISTORY_SIZE: 0 });
    const r = await runScenario('drops', { ...small, url, presenceGraceMs: 5000 });
    expect(r.ok).toBe(false);
    expect(failing(r)).toContain('resume-recovered');
    expect(r.drops?.drops).toBe(5);
  });

  it('fails when a resume within the grace is announced as a departure (server grace 0, told 5000)', async () => {
    const url = await startNode({ PRESENCE_GRACE_MS: 0 });
    const r = await runScenario('drops', { ...small, url, presenceGraceMs: 5000 });
    expect(r.ok).toBe(false);
    expect(failing(r)).toEqual(['presence-across-drops']);
  });

  it('catches a server that delivers twice, replayed or live', async () => {
    const proxy = await startFaultProxy(await startNode({ PRESENCE_GRACE_MS: 0 }), 'duplicate');
    try {
      const r = await runScenario('drops', { ...small, url: proxy.url });
      expect(proxy.injected).toBeGreaterThan(0);
      expect(r.ok).toBe(false);
      expect(failing(r)).toContain('delivery-once');
    } finally {
      await proxy.close();
    }
  });

  it('a run in which nothing was cut proves nothing and does not pass', async () => {
    const url = await startNode({ PRESENCE_GRACE_MS: 0 });
    const r = await runScenario('drops', { ...small, url, drops: 0, duration: 0.5 });
    expect(failing(r)).toEqual([]);
    expect(r.fullyVerified).toBe(false);
    expect(r.ok).toBe(false);
  });
});
