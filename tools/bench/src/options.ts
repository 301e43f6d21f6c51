import { TARGETS, type TargetName } from './targets.js';

export type ScenarioName = 'idle' | 'fanout' | 'room' | 'ceiling' | 'storm';
export const SCENARIO_NAMES: readonly ScenarioName[] = ['idle', 'fanout', 'room', 'ceiling', 'storm'];

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
  /** room: the one-big-room fan-out (issue 9's first scenario), same warm-up and window as fanout. */
  roomClients: number;
  roomSenders: number;
  roomRate: number;
  /** Bytes of message text (a timestamp, then filler). */
  textBytes: number;
  /** idle-memory: connections held open, `idleRoomSize` to a room. */
  idle: number;
  idleRoomSize: number;
  rounds: number;
  /** Driver worker threads. */
  workers: number;
  targets: TargetName[];
  /** idle and fanout run every round; ceiling and storm once per target, each in a fresh server process. */
  scenarios: ScenarioName[];
  /** ceiling: clients in the one room, and how many of them send. */
  ceilingClients: number;
  ceilingSenders: number;
  /** ceiling: deliveries/s offered at the first step; each step offers 1.5x the last. */
  ceilingStart: number;
  ceilingSteps: number;
  ceilingStepSeconds: number;
  /** ceiling: a step holds when its p99 is at most this, in ms. */
  ceilingP99: number;
  /** ceiling: the light receive path parses and times one delivery in this many. */
  sampleEvery: number;
  /** storm: clients connecting at once, and how many share a room. */
  stormClients: number;
  stormRoomSize: number;
}

export const DEFAULT_OPTIONS: BenchOptions = {
  clients: 5000,
  rooms: 50,
  senders: 50,
  rate: 5,
  roomClients: 1000,
  roomSenders: 10,
  roomRate: 10,
  duration: 8,
  warmup: 2,
  textBytes: 64,
  idle: 2000,
  idleRoomSize: 10,
  rounds: 3,
  workers: 2,
  targets: ['roomcast', 'roomcast-workers-2', 'roomcast-redis', 'roomcast-redis-2', 'ws', 'uws', 'socket.io'],
  scenarios: ['idle', 'fanout', 'room', 'ceiling', 'storm'],
  ceilingClients: 1000,
  ceilingSenders: 10,
  ceilingStart: 10_000,
  ceilingSteps: 12,
  ceilingStepSeconds: 3,
  ceilingP99: 50,
  sampleEvery: 16,
  stormClients: 5000,
  stormRoomSize: 10,
};

/** Upper bounds, so no option turns a run into an unbounded load test. */
export const LIMITS = {
  clients: 10_000,
  rooms: 10_000,
  senders: 10_000,
  rate: 1000,
  roomClients: 10_000,
  roomSenders: 1000,
  roomRate: 1000,
  duration: 120,
  warmup: 30,
  textBytes: 2000,
  idle: 10_000,
  idleRoomSize: 1000,
  rounds: 10,
  workers: 8,
  ceilingClients: 10_000,
  ceilingSenders: 1000,
  ceilingStart: 10_000_000,
  ceilingSteps: 30,
  ceilingStepSeconds: 60,
  ceilingP99: 10_000,
  sampleEvery: 1000,
  stormClients: 10_000,
  stormRoomSize: 10_000,
} as const satisfies Record<string, number>;

/** Returns the problems with a set of options, empty when it can run. */
export function checkOptions(o: BenchOptions): string[] {
  const problems: string[] = [];
  for (const [key, max] of Object.entries(LIMITS) as [keyof typeof LIMITS, number][]) {
    const value = o[key];
    const min = key === 'warmup' ? 0 : 1;
    if (!Number.isInteger(value) || value < min || value > max)
      problems.push(`--${kebab(key)} must be an integer ${min}..${max}`);
  }
  if (o.senders > o.clients) problems.push('--senders cannot exceed --clients');
  if (o.rooms > o.clients) problems.push('--rooms cannot exceed --clients');
  if (o.roomSenders > o.roomClients) problems.push('--room-senders cannot exceed --room-clients');
  if (o.textBytes < 20) problems.push('--text-bytes must be at least 20 (the timestamp takes 18)');
  if (o.targets.length === 0) problems.push('--targets names no target');
  if (o.scenarios.length === 0) problems.push('--scenarios names no scenario');
  if (o.ceilingSenders > o.ceilingClients) problems.push('--ceiling-senders cannot exceed --ceiling-clients');
  return problems;
}

const kebab = (s: string) => s.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);

/** A rough upper estimate of a run's length, for the watchdog and the banner. */
export function estimateSeconds(o: BenchOptions): number {
  const connect = (n: number) => 1 + n / 500;
  const has = (s: ScenarioName) => o.scenarios.includes(s);
  const perRound =
    1 +
    (has('idle') ? connect(o.idle) + 2.5 : 0) +
    (has('fanout') ? connect(o.clients) + o.warmup + o.duration + 2 : 0) +
    (has('room') ? connect(o.roomClients) + o.warmup + o.duration + 2 : 0);
  const ceiling = has('ceiling') ? 2 + connect(o.ceilingClients) + o.ceilingSteps * (o.ceilingStepSeconds + 5) : 0;
  const storm = has('storm') ? 3 + connect(o.stormClients) * 2 : 0;
  const singles = o.targets.filter((t) => TARGETS[t].once).length;
  return Math.ceil(o.targets.length * o.rounds * perRound + singles * (ceiling + storm));
}
