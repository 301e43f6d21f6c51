import { describeMachine, type Machine, median, type Progress, range } from '@roomcast/measure';
import { type DriverPool, startDriver } from './driver/pool.js';
import type { BenchOptions } from './options.js';
import { hasRedisServer, REDIS_MISSING } from './redis-process.js';
import { type CeilingResult, runCeiling } from './scenarios/ceiling.js';
import { type FanoutResult, manyRooms, oneRoom, runFanout } from './scenarios/fanout.js';
import { type IdleResult, measureIdle } from './scenarios/idle.js';
import { runStorm, type StormResult } from './scenarios/storm.js';
import { type ServerProcess, startServer } from './server-process.js';
import { TARGETS, type Target, type TargetName } from './targets.js';

export interface RoundResult {
  round: number;
  target: TargetName;
  idle?: IdleResult;
  fanout?: FanoutResult;
  /** The one-big-room fan-out. */
  room?: FanoutResult;
}

/** Medians of one fan-out scenario over the rounds. */
export interface FanoutSummary {
  cpuMicrosPerDelivery: number;
  cpuMicrosPerDeliveryRange: [number, number];
  serverCpuShare: number;
  deliveriesPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  p99MsRange: [number, number];
  driverCpuShare: number;
  driverMaxElu: number;
  otherCpuShare: number;
  /** Worst round: delivered / expected after draining. */
  completeness: number;
}

/** Medians over the rounds for one target (its `fanout` figures at the top level), with spreads to show the noise. */
export interface TargetSummary extends FanoutSummary {
  target: TargetName;
  label: string;
  rounds: number;
  bytesPerIdleConnection: number;
  bytesPerIdleConnectionRange: [number, number];
  /** The one-big-room fan-out, when it ran. */
  room?: FanoutSummary;
  /** Once per run, when the scenario ran. */
  ceiling?: CeilingResult;
  storm?: StormResult;
}

export interface BenchReport {
  startedAt: string;
  finishedAt: string;
  machine: Machine;
  options: BenchOptions;
  rounds: RoundResult[];
  summary: TargetSummary[];
  warnings: string[];
}

/** Round r runs the targets rotated by r, so no target always goes first (or last) on a warming machine. */
export function roundOrder<T>(targets: readonly T[], round: number): T[] {
  const k = round % Math.max(1, targets.length);
  return [...targets.slice(k), ...targets.slice(0, k)];
}

export function summarize(
  name: TargetName,
  results: readonly RoundResult[],
  once: { ceiling?: CeilingResult; storm?: StormResult } = {},
): TargetSummary {
  const mine = results.filter((r) => r.target === name);
  const idle = mine.map((r) => r.idle?.bytesPerConnection ?? Number.NaN);
  const rooms = mine.flatMap((r) => (r.room ? [r.room] : []));
  return {
    target: name,
    label: TARGETS[name].label,
    rounds: mine.length,
    ...summarizeFanout(mine.map((r) => r.fanout)),
    bytesPerIdleConnection: median(idle),
    bytesPerIdleConnectionRange: range(idle),
    ...(rooms.length ? { room: summarizeFanout(rooms) } : {}),
    ...once,
  };
}

function summarizeFanout(results: readonly (FanoutResult | undefined)[]): FanoutSummary {
  const fan = (f: (r: FanoutResult) => number) => results.map((r) => (r ? f(r) : Number.NaN));
  const cpu = fan((f) => f.cpuMicrosPerDelivery);
  const p99 = fan((f) => f.latencyMs.p99);
  const complete = fan((f) => f.deliveredTotal / f.expectedTotal).filter(Number.isFinite);
  const elus = fan((f) => f.driverMaxElu).filter(Number.isFinite);
  return {
    cpuMicrosPerDelivery: median(cpu),
    cpuMicrosPerDeliveryRange: range(cpu),
    serverCpuShare: median(fan((f) => f.serverCpuShare)),
    deliveriesPerSecond: median(fan((f) => f.deliveriesPerSecond)),
    p50Ms: median(fan((f) => f.latencyMs.p50)),
    p99Ms: median(p99),
    p99MsRange: range(p99),
    driverCpuShare: median(fan((f) => f.driverCpuShare)),
    driverMaxElu: elus.length ? Math.max(...elus) : Number.NaN,
    otherCpuShare: median(fan((f) => f.otherCpuShare)),
    completeness: complete.length ? Math.min(...complete) : Number.NaN,
  };
}

function warningsFor(r: RoundResult): string[] {
  return [
    ...(r.fanout ? fanoutWarnings(`${TARGETS[r.target].label}, round ${r.round}`, r.fanout) : []),
    ...(r.room ? fanoutWarnings(`${TARGETS[r.target].label}, one room, round ${r.round}`, r.room) : []),
    ...(r.idle && r.idle.failed > 0
      ? [`${TARGETS[r.target].label}, round ${r.round}: ${r.idle.failed} idle connections failed`]
      : []),
  ];
}

function fanoutWarnings(label: string, f: FanoutResult): string[] {
  const out: string[] = [];
  if (f.driver.saturated) out.push(`${label}: the generator may be the bottleneck: ${f.driver.reason}`);
  if (f.otherCpuShare > 0.25) {
    out.push(
      `${label}: other processes used ${(f.otherCpuShare * 100).toFixed(0)}% of a core during the window (noise)`,
    );
  }
  if (f.deliveredTotal < f.expectedTotal)
    out.push(`${label}: ${f.expectedTotal - f.deliveredTotal} of ${f.expectedTotal} deliveries missing`);
  if (f.deliveredTotal > f.expectedTotal)
    out.push(`${label}: ${f.deliveredTotal - f.expectedTotal} deliveries more than sent x members`);
  const unanswered = f.sentTotal - f.acked - f.rejected;
  if (unanswered > 0) out.push(`${label}: ${unanswered} sends never got an ack or error`);
  if (f.rejected > 0) out.push(`${label}: ${f.rejected} sends answered with an error`);
  if (f.unexpectedCloses > 0) out.push(`${label}: the server closed ${f.unexpectedCloses} clients`);
  return out;
}

function onceWarnings(s: TargetSummary): string[] {
  const out: string[] = [];
  if (s.ceiling?.limitedBy === 'driver' || s.ceiling?.limitedBy === 'machine')
    out.push(`${s.label}, ceiling: ${s.ceiling.verdict}`);
  if (s.storm && s.storm.failed > 0) {
    out.push(
      `${s.label}, storm: ${s.storm.failed} of ${s.storm.clients} clients got no welcome (${s.storm.firstError})`,
    );
  }
  return out;
}

/** Runs `work` against a fresh server process for `target`, and always stops it. */
async function withServer<T>(target: Target, work: (server: ServerProcess) => Promise<T>): Promise<T> {
  const server = await startServer(target);
  try {
    return await work(server);
  } finally {
    await server.stop();
  }
}

async function runRounds(pool: DriverPool, options: BenchOptions, progress: Progress): Promise<RoundResult[]> {
  const rounds: RoundResult[] = [];
  const has = (s: 'idle' | 'fanout' | 'room') => options.scenarios.includes(s);
  if (!has('idle') && !has('fanout') && !has('room')) return rounds;
  for (let round = 1; round <= options.rounds; round++) {
    for (const name of roundOrder(options.targets, round - 1)) {
      const target = TARGETS[name];
      progress.line(`[round ${round}/${options.rounds}] ${target.label}: starting`);
      const result: RoundResult = { round, target: name };
      await withServer(target, async (server) => {
        if (has('idle')) {
          result.idle = await measureIdle(pool, target, server, options.idle, options.idleRoomSize, progress);
          progress.line(
            `  idle: ${result.idle.connections} connections, ${(result.idle.bytesPerConnection / 1024).toFixed(1)} KiB RSS each`,
          );
        }
        const say = (name: string, f: FanoutResult) =>
          progress.line(
            `  ${name}: ${Math.round(f.deliveriesPerSecond)} deliveries/s, ${f.cpuMicrosPerDelivery.toFixed(2)} µs CPU each, p50 ${f.latencyMs.p50.toFixed(2)} ms, p99 ${f.latencyMs.p99.toFixed(2)} ms`,
          );
        if (has('fanout')) {
          result.fanout = await runFanout(pool, target, server, manyRooms(options), options, progress);
          say('fanout', result.fanout);
        }
        if (has('room')) {
          result.room = await runFanout(pool, target, server, oneRoom(options), options, progress);
          say('one room', result.room);
        }
      });
      rounds.push(result);
    }
  }
  return rounds;
}

/** Runs the rounds (idle, fanout), then the ceiling search and the storm once per target, each in a fresh server. */
export async function runBench(requested: BenchOptions, progress: Progress): Promise<BenchReport> {
  const startedAt = new Date().toISOString();
  // Without redis-server the scale-out targets are left out, and the report says so.
  const skipped = hasRedisServer() ? [] : requested.targets.filter((name) => TARGETS[name].redis);
  const options = { ...requested, targets: requested.targets.filter((name) => !skipped.includes(name)) };
  for (const name of skipped) progress.line(`${TARGETS[name].label}: skipped: ${REDIS_MISSING}`);
  const machine = describeMachine();
  const pool = startDriver(options.workers);
  const once = new Map<TargetName, { ceiling?: CeilingResult; storm?: StormResult }>();
  let rounds: RoundResult[] = [];
  try {
    rounds = await runRounds(pool, options, progress);
    for (const name of options.targets) {
      const target = TARGETS[name];
      if (!target.once) continue;
      const extra: { ceiling?: CeilingResult; storm?: StormResult } = {};
      once.set(name, extra);
      if (options.scenarios.includes('ceiling')) {
        progress.line(`[ceiling] ${target.label}: searching`);
        extra.ceiling = await withServer(target, (server) => runCeiling(pool, target, server, options, progress));
        progress.line(`  ${extra.ceiling.verdict}`);
      }
      if (options.scenarios.includes('storm')) {
        progress.line(`[storm] ${target.label}: ${options.stormClients} clients at once`);
        const storm = await withServer(target, (server) => runStorm(pool, target, server, options, progress));
        extra.storm = storm;
        progress.line(
          `  storm: all ${storm.connected} welcomed in ${storm.secondsToAllWelcomed.toFixed(2)} s, peak RSS ${(storm.peakRssBytes / 2 ** 20).toFixed(1)} MiB`,
        );
      }
    }
  } finally {
    await pool.terminate();
  }
  const summary = options.targets.map((name) => summarize(name, rounds, once.get(name)));
  return {
    startedAt,
    finishedAt: new Date().toISOString(),
    machine,
    options,
    rounds,
    summary,
    warnings: [
      ...skipped.map((name) => `${TARGETS[name].label}: skipped: ${REDIS_MISSING}`),
      ...rounds.flatMap(warningsFor),
      ...summary.flatMap(onceWarnings),
    ],
  };
}
