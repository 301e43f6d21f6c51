import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RULES, type Rule, runScenario } from '../src/index.js';
import { startRealServer } from './real-server.js';

const ALL_RULES = Object.keys(RULES) as Rule[];
// What the tracking scenarios (fanout, publish) check; semantics and churn check every rule.
const TRACKED: Rule[] = [
  'frames-valid',
  'welcome-first',
  'presence-not-to-subject',
  'delivery-complete',
  'delivery-once',
  'delivery-in-order',
  'sender-included',
  'rooms-isolated',
  'one-reply-per-id',
  'requests-accepted',
];

// Each scenario at small scale against the real server: every check must hold, and each check
// that should run did (an empty list of failures proves nothing by itself).
describe.concurrent('scenarios against the real server', () => {
  let server: Awaited<ReturnType<typeof startRealServer>>;
  beforeAll(async () => {
    server = await startRealServer();
  });
  afterAll(() => server.close());

  it('semantics: every rule holds and the verifier saw real traffic', async () => {
    const r = await runScenario('semantics', {
      url: server.url,
      clients: 16,
      rooms: 3,
      rate: 6,
      duration: 1.5,
      seed: 7,
      workers: 2,
    });
    expect(r.checks.map((c) => c.rule)).toEqual(ALL_RULES);
    expect(r.checks.filter((c) => !c.ok)).toEqual([]);
    expect(r.ok).toBe(true);
    expect(r.traffic.acked).toBeGreaterThan(20);
    expect(r.traffic.delivered).toBeGreaterThan(r.traffic.acked);
    expect(r.latency?.count).toBe(r.traffic.delivered);
  });

  it('fanout: every member gets every message; latency merged across workers', async () => {
    const r = await runScenario('fanout', {
      url: server.url,
      clients: 20,
      rooms: 2,
      senders: 4,
      rate: 10,
      duration: 1,
      workers: 2,
    });
    expect(r.checks.map((c) => c.rule)).toEqual(TRACKED);
    expect(r.checks.filter((c) => !c.ok)).toEqual([]);
    // Each message reaches the ~10 members of its room, sender included.
    expect(r.traffic.delivered).toBe(r.traffic.acked * 10);
    expect(r.latency?.count).toBe(r.traffic.delivered);
    expect(r.latency?.p50).toBeGreaterThan(0);
    expect(r.generator.workers).toBe(2);
  });

  it('capacity: ramps in steps and reports the largest count under the limit', async () => {
    const r = await runScenario('capacity', {
      url: server.url,
      clients: 30,
      step: 10,
      senders: 2,
      rate: 10,
      duration: 0.5,
      latencyLimit: 60_000,
      workers: 1,
    });
    expect(r.ok).toBe(true);
    expect(r.capacity?.steps.map((s) => s.clients)).toEqual([10, 20, 30]);
    expect(r.capacity?.maxClients).toBe(30);
  });

  it('capacity: stops at the first step over the latency limit', async () => {
    // A limit below any real latency: the first step already fails it.
    const r = await runScenario('capacity', {
      url: server.url,
      clients: 30,
      step: 10,
      senders: 2,
      rate: 10,
      duration: 0.5,
      latencyLimit: 0.01,
      workers: 1,
    });
    expect(r.capacity?.steps).toHaveLength(1);
    expect(r.capacity?.maxClients).toBe(0);
  });

  it('churn: presence and delivery stay correct while clients come and go', async () => {
    const r = await runScenario('churn', {
      url: server.url,
      clients: 16,
      rooms: 2,
      senders: 6,
      rate: 8,
      duration: 1.5,
      workers: 2,
    });
    expect(r.checks.map((c) => c.rule)).toEqual(ALL_RULES);
    expect(r.checks.filter((c) => !c.ok)).toEqual([]);
    // The churners reconnected: more connections than clients.
    expect(r.connections.opened).toBeGreaterThan(16);
    expect(r.traffic.presence).toBeGreaterThan(0);
  });

  it('publish: autocannon drives the HTTP API and WebSocket clients receive every message', async () => {
    const r = await runScenario('publish', {
      url: server.url,
      clients: 5,
      rooms: 1,
      senders: 2,
      rate: 50,
      duration: 1,
      workers: 1,
    });
    expect(r.checks.map((c) => c.rule)).toEqual(TRACKED.filter((rule) => rule !== 'sender-included'));
    expect(r.checks.filter((c) => !c.ok)).toEqual([]);
    expect(r.http?.requests).toBeGreaterThan(10);
    expect(r.http?.non2xx).toBe(0);
    // Every answered publish reached all 5 clients; requests cut off by the end of the run may add a few.
    expect(r.traffic.delivered).toBeGreaterThanOrEqual(r.traffic.acked * 5);
    expect(r.traffic.delivered).toBeLessThanOrEqual((r.traffic.acked + 2) * 5);
  });
});
