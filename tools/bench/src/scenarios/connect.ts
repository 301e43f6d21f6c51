import { type Histogram, mergeHistograms } from '@roomcast/measure';
import type { ClientPlan, ConnectReply, ReceiveMode } from '../driver/messages.js';
import type { DriverPool } from '../driver/pool.js';
import type { ServerProcess } from '../server-process.js';
import type { Target } from '../targets.js';

/** Splits a plan over the workers round-robin, so each carries the same share. */
export function shard<T>(items: readonly T[], parts: number): T[][] {
  const out: T[][] = Array.from({ length: parts }, () => []);
  for (let i = 0; i < items.length; i++) out[i % parts]?.push(items[i] as T);
  return out;
}

export interface Connected {
  connected: number;
  failed: number;
  firstError?: string;
  lastWelcomeAt: number;
  welcomeTimes: Histogram;
}

export const FULL_RECEIVE: ReceiveMode = { sampleEvery: 1 };

export async function connectAll(
  pool: DriverPool,
  target: Target,
  server: ServerProcess,
  plan: readonly ClientPlan[],
  options: { concurrency?: number; receive?: ReceiveMode; timeoutMs?: number } = {},
): Promise<Connected> {
  // Spread over the nodes first, so every room has members on each of them.
  const placed = plan.map((client, i) => ({ ...client, url: server.urls[i % server.urls.length] ?? server.url }));
  const parts = shard(placed, pool.size);
  const replies = await pool.all<ConnectReply>((i) => ({
    type: 'connect',
    wire: target.wire,
    url: server.url,
    clients: parts[i] ?? [],
    concurrency: options.concurrency ?? 25,
    receive: options.receive ?? FULL_RECEIVE,
    timeoutMs: options.timeoutMs ?? 10_000,
  }));
  const firstError = replies.find((r) => r.firstError)?.firstError;
  return {
    connected: replies.reduce((n, r) => n + r.connected, 0),
    failed: replies.reduce((n, r) => n + r.failed, 0),
    ...(firstError === undefined ? {} : { firstError }),
    lastWelcomeAt: Math.max(0, ...replies.map((r) => r.lastWelcomeAt)),
    welcomeTimes: mergeHistograms(replies.map((r) => r.welcomeTimes)),
  };
}
