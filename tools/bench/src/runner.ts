import { DriverPool } from './driver/pool.js';
import { describeMachine, type Machine } from './machine.js';
import { median, range } from './measure/stats.js';
import type { BenchOptions } from './options.js';
import type { Progress } from './progress.js';
import { type FanoutResult, runFanout } from './scenarios/fanout.js';
import { type IdleResult, measureIdle } from './scenarios/idle.js';
import { startServer } from './server-process.js';
import { TARGETS, type TargetName } from './targets.js';

export interface RoundResult {
  round: number;
  target: TargetName;
  idle: IdleResult;
  fanout: FanoutResult;
}

/** Medians over the rounds for one target, with the CPU figure's spread to show the noise. */
export interface TargetSummary {
  target: TargetName;
  label: string;
  rounds: number;
  cpuMicrosPerDelivery: number;
  cpuMicrosPerDeliveryRange: [number, number];
  serverCpuShare: number;
  deliveriesPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  p99MsRange: [number, number];
  bytesPerIdleConnection: number;
  bytesPerIdleConnectionRange: [number, number];
  driverCpuShare: number;
  driverMaxElu: number;
  otherCpuShare: number;
  /** Worst round: delivered / expected after draining. */
  completeness: number;
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

export function summarize(name: TargetName, results: readonly RoundResult[]): TargetSummary {
  const mine = results.filter((r) => r.target === name);
  const pick = (f: (r: RoundResult) => number) => mine.map(f);
  const cpu = pick((r) => r.fanout.cpuMicrosPerDelivery);
  const p99 = pick((r) => r.fanout.latencyMs.p99);
  const idle = pick((r) => r.idle.bytesPerConnection);
  return {
    target: name,
    label: TARGETS[name].label,
    rounds: mine.length,
    cpuMicrosPerDelivery: median(cpu),
    cpuMicrosPerDeliveryRange: range(cpu),
    serverCpuShare: median(pick((r) => r.fanout.serverCpuShare)),
    deliveriesPerSecond: median(pick((r) => r.fanout.deliveriesPerSecond)),
    p50Ms: median(pick((r) => r.fanout.latencyMs.p50)),
    p99Ms: median(p99),
    p99MsRange: range(p99),
    bytesPerIdleConnection: median(idle),
    bytesPerIdleConnectionRange: range(idle),
    driverCpuShare: median(pick((r) => r.fanout.driverCpuShare)),
    driverMaxElu: Math.max(...pick((r) => r.fanout.driverMaxElu)),
    otherCpuShare: median(pick((r) => r.fanout.otherCpuShare)),
    completeness: Math.min(...pick((r) => r.fanout.deliveredTotal / r.fanout.expectedTotal)),
  };
}

function warningsFor(r: RoundResult): string[] {
  const label = `${TARGETS[r.target].label}, round ${r.round}`;
  const out: string[] = [];
  const f = r.fanout;
  if (f.driverMaxElu > 0.9)
    out.push(
      `${label}: a driver worker was ${(f.driverMaxElu * 100).toFixed(0)}% busy; the generator may be the bottleneck`,
    );
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
  if (r.idle.failed > 0) out.push(`${label}: ${r.idle.failed} idle connections failed`);
  return out;
}

/** Runs every round against every target, each in a fresh server process, with one shared driver. */
export async function runBench(options: BenchOptions, progress: Progress): Promise<BenchReport> {
  const startedAt = new Date().toISOString();
  const machine = describeMachine();
  const pool = DriverPool.start(options.workers);
  const rounds: RoundResult[] = [];
  try {
    for (let round = 1; round <= options.rounds; round++) {
      for (const name of roundOrder(options.targets, round - 1)) {
        const target = TARGETS[name];
        progress.line(`[round ${round}/${options.rounds}] ${target.label}: starting`);
        const server = await startServer(target);
        try {
          const idle = await measureIdle(pool, target, server, options.idle, options.idleRoomSize, progress);
          progress.line(
            `  idle: ${idle.connections} connections, ${(idle.bytesPerConnection / 1024).toFixed(1)} KiB RSS each`,
          );
          const fanout = await runFanout(pool, target, server, options, progress);
          progress.line(
            `  fanout: ${Math.round(fanout.deliveriesPerSecond)} deliveries/s, ${fanout.cpuMicrosPerDelivery.toFixed(2)} µs CPU each, p50 ${fanout.latencyMs.p50.toFixed(2)} ms, p99 ${fanout.latencyMs.p99.toFixed(2)} ms`,
          );
          rounds.push({ round, target: name, idle, fanout });
        } finally {
          await server.stop();
        }
      }
    }
  } finally {
    await pool.terminate();
  }
  return {
    startedAt,
    finishedAt: new Date().toISOString(),
    machine,
    options,
    rounds,
    summary: options.targets.map((name) => summarize(name, rounds)),
    warnings: rounds.flatMap(warningsFor),
  };
}
