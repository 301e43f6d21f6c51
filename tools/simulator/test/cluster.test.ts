import { buildApp, MemoryAdapter, MemoryBus } from '@roomcast/server';
import { afterEach, describe, expect, it } from 'vitest';
import { runScenario } from '../src/index.js';
import { startFaultProxy } from '../src/testing/index.js';

interface Node {
  url: string;
  /** TCP connections the node accepted: proof that clients really went there. */
  accepted: () => number;
  close(): Promise<void>;
}

const nodes: Node[] = [];
afterEach(async () => {
  await Promise.all(nodes.splice(0).map((n) => n.close()));
});

/** One node of an in-process cluster: a real server on port 0 sharing `bus` with the others. */
async function startNode(bus: MemoryBus, config: Record<string, number> = {}): Promise<Node> {
  const app = await buildApp({
    logger: false,
    closeGraceMs: 200,
    adapter: new MemoryAdapter(bus),
    config: { PRESENCE_GRACE_MS: 0, ...config },
  });
  await app.listen({ port: 0, host: '127.0.0.1' });
  let accepted = 0;
  app.server.on('connection', () => accepted++);
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  let closed = false;
  const node = {
    url: `ws://127.0.0.1:${port}/ws`,
    accepted: () => accepted,
    close: async () => {
      if (closed) return;
      closed = true;
      await app.close();
    },
  };
  nodes.push(node);
  return node;
}

const failing = (r: Awaited<ReturnType<typeof runScenario>>) => r.checks.filter((c) => !c.ok);

describe('several --url: two nodes on one MemoryBus', () => {
  it.each(['semantics', 'churn'] as const)('%s holds across the nodes, with clients on both', async (scenario) => {
    const bus = new MemoryBus();
    const [a, b] = [await startNode(bus), await startNode(bus)] as [Node, Node];
    const r = await runScenario(scenario, {
      url: [a.url, b.url],
      clients: 12,
      rooms: 3,
      ...(scenario === 'churn' ? { senders: 6 } : {}),
      rate: 6,
      duration: 1.5,
      seed: 11,
      workers: 1,
    });
    expect(failing(r)).toEqual([]);
    expect(r.ok).toBe(true);
    expect(r.target.urls).toEqual([a.url, b.url]);
    expect(a.accepted()).toBeGreaterThanOrEqual(6);
    expect(b.accepted()).toBeGreaterThanOrEqual(6);
    expect(r.traffic.acked).toBeGreaterThan(10);
  });

  it('a fault in front of one node still fails the run', async () => {
    const bus = new MemoryBus();
    const [a, b] = [await startNode(bus), await startNode(bus)] as [Node, Node];
    const proxy = await startFaultProxy(b.url, 'duplicate');
    try {
      const r = await runScenario('semantics', {
        url: [a.url, proxy.url],
        clients: 12,
        rooms: 3,
        rate: 8,
        duration: 1,
        seed: 3,
        workers: 1,
      });
      expect(proxy.injected).toBeGreaterThan(0);
      expect(r.ok).toBe(false);
      expect(failing(r).map((c) => c.rule)).toContain('delivery-once');
    } finally {
      await proxy.close();
    }
  });

  it('drops: with the first node killed mid-run, its clients resume on the other with nothing lost', async () => {
    const bus = new MemoryBus();
    const [a, b] = [await startNode(bus), await startNode(bus)] as [Node, Node];
    const r = await runScenario(
      'drops',
      { url: [a.url, b.url], clients: 8, rooms: 2, senders: 4, rate: 10, duration: 2, drops: 4, workers: 1, seed: 5 },
      // "Killing" an in-process node: the simulator has cut its sockets; closing the app ends it.
      { killNode: () => a.close() },
    );
    expect(failing(r)).toEqual([]);
    expect(r.ok).toBe(true);
    expect(r.drops?.nodeKilled).toBe(true);
    // Node 1's four clients dropped with it, besides the random cuts.
    expect(r.drops?.drops).toBeGreaterThanOrEqual(4);
    expect(r.drops?.resumed).toBe(r.drops?.drops);
    expect(r.drops?.deliveryRatio).toBe(100);
    expect(r.drops?.received).toBe(r.drops?.expected);
    expect(r.drops?.expected).toBeGreaterThan(20);
  });
});
