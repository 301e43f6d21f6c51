import { type Progress, sleep } from '@roomcast/measure';
import { type DriverPool, driverProgress } from '../driver/pool.js';
import type { ServerProcess } from '../server-process.js';
import type { Target } from '../targets.js';
import { rssBytes } from '../usage.js';
import { connectAll } from './connect.js';

export interface IdleResult {
  connections: number;
  failed: number;
  rssBeforeBytes: number;
  rssAfterBytes: number;
  /** (RSS with the idle connections - RSS before) / connections. */
  bytesPerConnection: number;
}

const WARM_CLIENTS = 20;
const SETTLE_MS = 1500;

/**
 * Server memory per idle connection: RSS of a warmed, empty server, then with N connections
 * that joined a room and sit still. RSS, not heap: it is what the operator pays for.
 */
export async function measureIdle(
  pool: DriverPool,
  target: Target,
  server: ServerProcess,
  connections: number,
  roomSize: number,
  progress: Progress,
): Promise<IdleResult> {
  // Warm the connection path once, so its first-use costs (JIT, lazy modules) are not charged per connection.
  const warm = Array.from({ length: WARM_CLIENTS }, (_, i) => ({ name: `warm${i}`, room: 'warm', sender: false }));
  await connectAll(pool, target, server, warm);
  await pool.all({ type: 'close' });
  await sleep(500);

  const rssBeforeBytes = rssBytes(server.pids());
  const plan = Array.from({ length: connections }, (_, i) => ({
    name: `idle${i}`,
    room: `idle-${Math.floor(i / roomSize)}`,
    sender: false,
  }));
  const stopLive = progress.live(() => `idle: ${driverProgress(pool).connected}/${connections} connected`);
  const reply = await connectAll(pool, target, server, plan).finally(stopLive);
  if (reply.connected === 0) throw new Error(`${target.label}: no idle connection succeeded (${reply.firstError})`);
  await sleep(SETTLE_MS);
  const rssAfterBytes = rssBytes(server.pids());
  await pool.all({ type: 'close' });
  return {
    connections: reply.connected,
    failed: reply.failed,
    rssBeforeBytes,
    rssAfterBytes,
    bytesPerConnection: (rssAfterBytes - rssBeforeBytes) / reply.connected,
  };
}
