import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RULES, type Rule, runScenario } from '../src/index.js';
import { type Fault, startFaultProxy } from '../src/testing/index.js';
import { startRealServer } from './real-server.js';

// The verifier must catch a broken server. Each fault sits in a proxy in front of the real
// server; the rule it breaks must fail, with its violations counted and named.
const CASES: [Fault, Rule][] = [
  ['skip-sender', 'sender-included'],
  ['joined-to-joiner', 'presence-not-to-subject'],
  ['duplicate', 'delivery-once'],
  ['reorder', 'delivery-in-order'],
  ['leak', 'rooms-isolated'],
];

// Faults only the scripted scenarios can see: presence, replies and refusals.
const SCRIPTED_CASES: [Fault, Rule][] = [
  ['drop-left', 'presence-to-others'],
  ['double-ack', 'one-reply-per-id'],
  ['accept-outsiders', 'errors-correct'],
];

// Runs are independent, so they run concurrently to keep the suite short on 2 cores.
describe.concurrent('the simulator catches broken servers', () => {
  let server: Awaited<ReturnType<typeof startRealServer>>;
  beforeAll(async () => {
    server = await startRealServer();
  });
  afterAll(() => server.close());

  describe.each(['semantics', 'fanout'] as const)('%s', (scenario) => {
    it.each(CASES)('%s breaks %s', async (fault, rule) => {
      const proxy = await startFaultProxy(server.url, fault);
      try {
        const options =
          scenario === 'semantics'
            ? { clients: 12, rooms: 3, rate: 8, duration: 1 }
            : { clients: 12, rooms: 3, senders: 6, rate: 20, duration: 0.8 };
        const r = await runScenario(scenario, { url: proxy.url, workers: 1, seed: 3, ...options });
        expect(proxy.injected).toBeGreaterThan(0);
        expect(r.ok).toBe(false);
        const check = r.checks.find((c) => c.rule === rule);
        expect(check?.ok).toBe(false);
        expect(check?.violations).toBeGreaterThan(0);
        expect(check?.examples.length).toBeGreaterThan(0);
      } finally {
        await proxy.close();
      }
    });
  });

  it.each(SCRIPTED_CASES)('semantics: %s breaks %s', async (fault, rule) => {
    const proxy = await startFaultProxy(server.url, fault);
    try {
      const r = await runScenario('semantics', {
        url: proxy.url,
        clients: 12,
        rooms: 3,
        // Enough actions that every client probes and moves a few times.
        rate: 12,
        duration: 1.5,
        workers: 1,
        seed: 5,
      });
      expect(proxy.injected).toBeGreaterThan(0);
      expect(r.ok).toBe(false);
      const check = r.checks.find((c) => c.rule === rule);
      expect(check?.ok).toBe(false);
      expect(check?.examples.length).toBeGreaterThan(0);
    } finally {
      await proxy.close();
    }
  });

  it('skip-sender also shows up as missing deliveries in the global verifier', async () => {
    const proxy = await startFaultProxy(server.url, 'skip-sender');
    try {
      const r = await runScenario('semantics', {
        url: proxy.url,
        clients: 8,
        rooms: 2,
        rate: 8,
        duration: 1,
        workers: 1,
      });
      expect(r.summary.missing).toBeGreaterThan(0);
      expect(r.checks.find((c) => c.rule === 'delivery-complete')?.examples[0]).toMatch(
        /never received its own message/,
      );
    } finally {
      await proxy.close();
    }
  });

  it('a clean proxy passes: the faults, not the proxy, are what fail', async () => {
    const proxy = await startFaultProxy(server.url, 'none' as Fault);
    try {
      const r = await runScenario('semantics', {
        url: proxy.url,
        clients: 10,
        rooms: 2,
        rate: 8,
        duration: 1,
        workers: 1,
      });
      expect(r.checks).toHaveLength(Object.keys(RULES).length);
      expect(r.checks.filter((c) => !c.ok)).toEqual([]);
    } finally {
      await proxy.close();
    }
  });
});
