import type { ClientPlan, ConnectReply } from '../driver/messages.js';
import type { DriverPool } from '../driver/pool.js';
import type { ServerProcess } from '../server-process.js';
import type { Target } from '../targets.js';

/** Splits a plan over the workers round-robin, so each carries the same share. */
export function shard<T>(items: readonly T[], parts: number): T[][] {
  const out: T[][] = Array.from({ length: parts }, () => []);
  for (let i = 0; i < items.length; i++) out[i % parts]?.push(items[i] as T);
  return out;
}

export async function connectAll(
  pool: DriverPool,
  target: Target,
  server: ServerProcess,
  plan: readonly ClientPlan[],
): Promise<ConnectReply> {
  const parts = shard(plan, pool.size);
  const replies = await pool.all<ConnectReply>((i) => ({
    type: 'connect',
    wire: target.wire,
    url: server.url,
    clients: parts[i] ?? [],
    concurrency: 25,
  }));
  const connected = replies.reduce((n, r) => n + r.connected, 0);
  const failed = replies.reduce((n, r) => n + r.failed, 0);
  const firstError = replies.find((r) => r.firstError)?.firstError;
  return firstError === undefined ? { connected, failed } : { connected, failed, firstError };
}
