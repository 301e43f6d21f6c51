import cluster from 'node:cluster';
import closeWithGrace from 'close-with-grace';
import type { FastifyBaseLogger } from 'fastify';
import { AggregatorRegistry } from 'prom-client';
import type { Adapter } from '../adapters/adapter.js';
import { HostAdapter } from '../adapters/host/index.js';
import { RedisAdapter } from '../adapters/redis/index.js';
import { buildApp } from '../app.js';
import type { Config } from '../config.js';
import { die, EXIT_CONFIG, explainListenError, readyMessage } from '../startup.js';
import { type ControlMessage, isControl } from './messages.js';

/**
 * Runs one server: the whole of it with WORKERS=1, or one worker of `WORKERS=N`. A worker is a
 * node of its own: on the primary's in-host bus (or on Redis with REDIS_URL), it says when it
 * listens, and closes when the primary says so.
 */
export async function serve(config: Config): Promise<void> {
  const worker = cluster.isWorker;
  const adapter = worker && !config.REDIS_URL ? new HostAdapter() : undefined;
  const app = await buildApp({
    config,
    defaultMetrics: true,
    ...(adapter ? { adapter } : {}),
    ...(worker ? { metricsText: askPrimaryForMetrics } : {}),
  }).catch((err: Error) => die(`could not start: ${err.message}`, 1));
  if (worker) {
    // Constructing one installs prom-client's answer to the primary's requests for this worker's metrics.
    new AggregatorRegistry();
    AggregatorRegistry.setRegistries([app.metrics.registry]);
  }

  let closing: Promise<void> | undefined;
  const close = () => {
    closing ??= app.close();
    return closing;
  };
  // A worker's SIGINT from a terminal reaches the primary too, which tells every worker once.
  const closer = closeWithGrace({ delay: 10_000, skip: worker ? ['SIGINT'] : [] }, async ({ signal, err }) => {
    if (err) app.log.error({ err }, 'closing after an unexpected error');
    else app.log.info({ signal }, 'shutting down');
    await close();
  });
  if (worker) {
    process.on('SIGINT', () => {});
    process.on('message', (m: unknown) => {
      if (!isControl(m)) return;
      if (m.rc === 'shutdown' && !closing) void closer.close();
      else if (m.rc === 'sweep') void sweep(app.hub.adapter, m.node, app.log);
    });
  }

  try {
    const address = await app.listen({ port: config.PORT, host: config.HOST });
    if (worker) process.send?.({ rc: 'listening', address, node: app.hub.adapter.node } satisfies ControlMessage);
    else app.log.info(readyMessage(address, app.hub.adapter.name, config));
  } catch (err) {
    const explained = explainListenError(err, config);
    die(explained ?? `could not start: ${(err as Error).message}`, explained ? EXIT_CONFIG : 1);
  }
}

/**
 * On Redis, a dead worker's members would wait for its heartbeat to expire (up to 1.2 x
 * NODE_TTL_MS); the primary saw it die, so a live worker sweeps it at once, as that sweep would.
 */
async function sweep(adapter: Adapter, node: string, log: FastifyBaseLogger): Promise<void> {
  if (!(adapter instanceof RedisAdapter)) return;
  try {
    const removed = await adapter.liveness.sweepNode(node);
    log.info({ node, removed }, 'swept a dead worker');
  } catch (err) {
    // The heartbeat sweep still removes it once its key expires.
    log.warn({ err, node }, 'could not sweep a dead worker');
  }
}

let nextMetricsId = 1;
const metricsWaiters = new Map<number, { resolve: (text: string) => void; reject: (err: Error) => void }>();

/** GET /metrics in a worker: every worker's metrics, aggregated by the primary (prom-client's AggregatorRegistry). */
function askPrimaryForMetrics(): Promise<string> {
  if (metricsWaiters.size === 0) process.on('message', onMetrics);
  const id = nextMetricsId++;
  return new Promise((resolve, reject) => {
    metricsWaiters.set(id, { resolve, reject });
    process.send?.({ rc: 'metrics', id } satisfies ControlMessage, undefined, undefined, (err) => {
      if (err) settle(id, undefined, err);
    });
  });
}

function onMetrics(m: unknown): void {
  if (isControl(m) && m.rc === 'metrics' && 'text' in m) settle(m.id, m.text, m.error ? new Error(m.error) : undefined);
}

function settle(id: number, text: string | undefined, err: Error | undefined): void {
  const waiter = metricsWaiters.get(id);
  if (!waiter) return;
  metricsWaiters.delete(id);
  if (metricsWaiters.size === 0) process.off('message', onMetrics);
  if (err || text === undefined) waiter.reject(err ?? new Error('no metrics'));
  else waiter.resolve(text);
}
