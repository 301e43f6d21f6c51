import { WorkerPool } from '@roomcast/measure';
import { siblingUrl } from './module-url.js';
import { type Command, type Counters, type WorkerInit, zeroCounters } from './wire.js';

/** The client workers, spread over the cores, as one thing the scenarios can command. */
export type Swarm = WorkerPool<Command, Counters>;

export function startSwarm(count: number, init: Omit<WorkerInit, 'workerIndex'>): Swarm {
  return new WorkerPool<Command, Counters>(siblingUrl('worker'), count, zeroCounters, (workerIndex) => ({
    ...init,
    workerIndex,
  }));
}

/** Counters summed over the workers. */
export function swarmTotals(counters: readonly Counters[]): Counters {
  const sum = zeroCounters();
  for (const c of counters) for (const k of Object.keys(sum) as (keyof Counters)[]) sum[k] += c[k];
  return sum;
}
