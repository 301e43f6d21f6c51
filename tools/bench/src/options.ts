import type { TargetName } from './targets.js';

/** Everything a bench run is shaped by; the CLI fills it, tests pass small ones. */
export interface BenchOptions {
  /** fanout: connected clients, spread evenly over the rooms. */
  clients: number;
  rooms: number;
  /** fanout: clients that also send, spread evenly over the rooms. */
  senders: number;
  /** fanout: messages per second per sender. */
  rate: number;
  /** fanout: measured seconds, after `warmup` seconds of the same load. */
  duration: number;
  warmup: number;
  /** Bytes of message text (a timestamp, then filler). */
  textBytes: number;
  /** idle-memory: connections held open, `idleRoomSize` to a room. */
  idle: number;
  idleRoomSize: number;
  rounds: number;
  /** Driver worker threads. */
  workers: number;
  targets: TargetName[];
}

export const DEFAULT_OPTIONS: BenchOptions = {
  clients: 500,
  rooms: 5,
  senders: 20,
  rate: 10,
  duration: 8,
  warmup: 2,
  textBytes: 64,
  idle: 2000,
  idleRoomSize: 10,
  rounds: 3,
  workers: 2,
  targets: ['roomcast', 'ws', 'socket.io'],
};

/** Upper bounds, so no option turns a run into an unbounded load test. */
export const LIMITS = {
  clients: 10_000,
  rooms: 10_000,
  senders: 10_000,
  rate: 1000,
  duration: 120,
  warmup: 30,
  textBytes: 2000,
  idle: 10_000,
  idleRoomSize: 1000,
  rounds: 10,
  workers: 8,
} as const satisfies Record<string, number>;

/** Returns the problems with a set of options, empty when it can run. */
export function checkOptions(o: BenchOptions): string[] {
  const problems: string[] = [];
  for (const [key, max] of Object.entries(LIMITS) as [keyof typeof LIMITS, number][]) {
    const value = o[key];
    const min = key === 'warmup' ? 0 : 1;
    if (!Number.isInteger(value) || value < min || value > max)
      problems.push(`--${key} must be an integer ${min}..${max}`);
  }
  if (o.senders > o.clients) problems.push('--senders cannot exceed --clients');
  if (o.rooms > o.clients) problems.push('--rooms cannot exceed --clients');
  if (o.textBytes < 20) problems.push('--text-bytes must be at least 20 (the timestamp takes 18)');
  if (o.targets.length === 0) problems.push('--targets names no target');
  return problems;
}

/** A rough upper estimate of a run's length, for the watchdog and the banner. */
export function estimateSeconds(o: BenchOptions): number {
  const connect = (n: number) => 1 + n / 500;
  const perTarget = 1 + connect(o.idle) + 2.5 + connect(o.clients) + o.warmup + o.duration + 2;
  return Math.ceil(o.rounds * o.targets.length * perTarget);
}
