import cluster, { type Worker } from 'node:cluster';
import Fastify, { type FastifyBaseLogger } from 'fastify';
import { AggregatorRegistry } from 'prom-client';
import { BusHost } from '../adapters/host/index.js';
import { isHostRequest } from '../adapters/host/wire.js';
import { MemoryBus } from '../adapters/memory/index.js';
import type { Config } from '../config.js';
import { loggerOptions } from '../logger.js';
import { EXIT_CONFIG, readyMessage } from '../startup.js';
import { type ControlMessage, isControl } from './messages.js';

/** A worker that dies this soon after it started counts towards a crash loop. */
const QUICK_EXIT_MS = 10_000;
/** Quick exits in a row of one worker slot that stop the primary. */
const CRASH_LOOP = 4;
/** The wait before restarting after the n-th quick exit in a row: 250 ms, 500 ms, 1 s. */
const backoffMs = (quickExits: number) => 250 * 2 ** (quickExits - 1);
/** How long shutdown waits for the workers before killing them. */
const SHUTDOWN_MS = 12_000;

interface Slot {
  worker: Worker;
  startedAt: number;
  quickExits: number;
  listening: boolean;
  /** Its node id, once it listens. */
  node?: string;
}

/**
 * The primary of `WORKERS=N`: forks N workers that share the port (node:cluster hands
 * connections out round-robin), hosts the in-host bus unless REDIS_URL is set, restarts a
 * worker that dies, and on SIGTERM/SIGINT closes every worker gracefully, then exits 0.
 * It serves no client itself.
 */
export function runPrimary(config: Config, count: number): void {
  // Fastify's pino, configured as the workers' (LOG_LEVEL, LOG_FORMAT), without adding pino itself.
  const log: FastifyBaseLogger = Fastify({ logger: loggerOptions(config) }).log.child({ role: 'primary' });
  const host = config.REDIS_URL
    ? undefined
    : new BusHost(new MemoryBus({ historySize: config.HISTORY_SIZE, historyMaxBytes: config.HISTORY_MAX_BYTES }));
  const aggregator = new AggregatorRegistry();
  const slots = new Map<number, Slot>();
  let stopping: number | undefined;
  let announced = false;

  const fork = (slot: number, quickExits: number) => {
    const worker = cluster.fork();
    slots.set(slot, { worker, startedAt: Date.now(), quickExits, listening: false });
    worker.on('message', (m: unknown) => {
      if (host && isHostRequest(m)) host.handle(worker, m);
      else if (isControl(m)) void control(slot, worker, m);
    });
    worker.on('exit', (code, signal) => void exited(slot, worker, code, signal));
  };

  const control = async (slot: number, worker: Worker, m: ControlMessage) => {
    if (m.rc === 'listening') {
      const s = slots.get(slot);
      if (s) {
        s.listening = true;
        s.node = m.node;
      }
      if (announced) log.info({ slot, pid: worker.process.pid }, 'worker restarted');
      if (!announced && [...slots.values()].every((x) => x.listening) && slots.size === count) {
        announced = true;
        const adapter = `${host ? 'host' : 'redis'}, ${count} workers`;
        log.info(readyMessage(m.address, adapter, config));
      }
    } else if (m.rc === 'metrics' && !('text' in m)) {
      const answer: ControlMessage = await aggregator.clusterMetrics().then(
        (text) => ({ rc: 'metrics', id: m.id, text }),
        (err: Error) => ({ rc: 'metrics', id: m.id, text: '', error: err.message }),
      );
      if (worker.isConnected()) worker.send(answer, () => {});
    }
  };

  const exited = async (slot: number, worker: Worker, code: number | null, signal: string | null) => {
    const s = slots.get(slot);
    if (s?.worker !== worker) return;
    slots.delete(slot);
    const gone = host ? { membersGone: await host.detach(worker) } : { sweep: sweepElsewhere(s.node) };
    if (stopping !== undefined) {
      if (slots.size === 0) process.exit(stopping);
      return;
    }
    // A worker that could not listen (port taken, bad address) explained why; restarting will not help.
    if (code === EXIT_CONFIG && !s.listening) return stop(EXIT_CONFIG);
    const quick = Date.now() - s.startedAt < QUICK_EXIT_MS;
    const quickExits = quick ? s.quickExits + 1 : 0;
    if (quickExits >= CRASH_LOOP) {
      log.error({ slot, code, signal, quickExits }, 'worker crash loop: stopping');
      return stop(1);
    }
    const delay = quick ? backoffMs(quickExits) : 0;
    log.warn({ slot, pid: worker.process.pid, code, signal, ...gone, restartInMs: delay }, 'worker died');
    setTimeout(() => {
      if (stopping === undefined) fork(slot, quickExits);
    }, delay);
  };

  // On Redis a live worker removes the dead one's members (the primary has no Redis connection).
  const sweepElsewhere = (node: string | undefined): string => {
    const live = [...slots.values()].find((x) => x.listening && x.worker.isConnected());
    if (!node || !live || stopping !== undefined) return 'by the redis heartbeat sweep';
    live.worker.send({ rc: 'sweep', node } satisfies ControlMessage, () => {});
    return `swept by worker ${live.worker.process.pid}`;
  };

  // Workers close their sockets (1001) and leave the bus; the primary keeps the bus until the last is gone.
  const stop = (status: number) => {
    if (stopping !== undefined) return;
    stopping = status;
    if (slots.size === 0) process.exit(status);
    for (const { worker } of slots.values()) if (worker.isConnected()) worker.send({ rc: 'shutdown' }, () => {});
    setTimeout(() => {
      log.error({ waitedMs: SHUTDOWN_MS }, 'workers did not stop in time: killing them');
      for (const { worker } of slots.values()) worker.process.kill('SIGKILL');
      process.exit(1);
    }, SHUTDOWN_MS).unref();
  };

  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.on(signal, () => {
      if (stopping === undefined) log.info({ signal }, 'shutting down');
      stop(0);
    });
  }
  for (let slot = 1; slot <= count; slot++) fork(slot, 0);
}
