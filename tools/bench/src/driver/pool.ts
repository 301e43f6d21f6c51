import { WorkerPool } from '@roomcast/measure';
import { packageUrl } from '../runtime.js';
import type { Command, DriverCounters } from './messages.js';

/** The load driver's worker threads, commanded together from the main thread. */
export type DriverPool = WorkerPool<Command, DriverCounters>;

export function startDriver(workers: number): DriverPool {
  return new WorkerPool<Command, DriverCounters>(packageUrl('driver/worker'), workers, () => ({
    connected: 0,
    delivered: 0,
    sent: 0,
  }));
}

/** Live counts summed over the workers. */
export function driverProgress(pool: DriverPool): DriverCounters {
  return pool.counters().reduce(
    (sum, c) => ({
      connected: sum.connected + c.connected,
      delivered: sum.delivered + c.delivered,
      sent: sum.sent + c.sent,
    }),
    { connected: 0, delivered: 0, sent: 0 },
  );
}
