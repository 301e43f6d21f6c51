import { type Progress, sleep } from '@roomcast/measure';
import type { ClientPlan } from '../driver/messages.js';
import { type DriverPool, driverProgress } from '../driver/pool.js';
import type { BenchOptions } from '../options.js';
import type { ServerProcess } from '../server-process.js';
import type { Target } from '../targets.js';
import { connectAll } from './connect.js';
import { measureWindow, settle } from './window.js';

/** Each step offers this much more than the last. */
export const CEILING_GROWTH = 1.5;
/** A step is sustained when at least this share of what was offered in its window was delivered in it. */
export const SUSTAINED_SHARE = 0.95;
/** Per-sender send rate past which the search stops (the driver's timer, not the server, would set the pace). */
export const MAX_RATE_PER_SENDER = 5000;

export interface CeilingStep {
  ratePerSender: number;
  /** Deliveries/s the senders asked for in the window: sent x room members / seconds. */
  offeredPerSecond: number;
  deliveriesPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  /** Deliveries timed (the light path's sample). */
  timed: number;
  serverCpuShare: number;
  driverCpuShare: number;
  otherCpuShare: number;
  driverEluP90: number;
  driverLagMaxMs: number;
  driverSaturated: boolean;
  sustained: boolean;
  passed: boolean;
  /** Why a step failed, in words. */
  failure?: string;
}

/**
 * Who ran out at the first failing step: the driver when it saturated; the machine when the
 * server was not even using half a core while other processes used more than half of one (the
 * server was starved, not full); else the server.
 */
export type CeilingLimit = 'server' | 'driver' | 'machine' | 'not reached';

/** Other processes' CPU (share of one core) above which a failing step is the machine's, if the server was not busy. */
export const NOISY_MACHINE = 0.5;

export interface CeilingResult {
  clients: number;
  senders: number;
  p99LimitMs: number;
  sampleEvery: number;
  steps: CeilingStep[];
  /** Deliveries/s of the last step that held; 0 when none did. */
  ceilingPerSecond: number;
  /** Which one ran out at the first step that failed. */
  limitedBy: CeilingLimit;
  verdict: string;
}

export function ceilingPlan(o: Pick<BenchOptions, 'ceilingClients' | 'ceilingSenders'>): ClientPlan[] {
  return Array.from({ length: o.ceilingClients }, (_, i) => ({
    name: `k${i}`,
    room: 'ceiling',
    sender: i < o.ceilingSenders,
  }));
}

/** Names what ran out: the driver when it saturated, else the server. */
export function judgeStep(
  step: Omit<CeilingStep, 'sustained' | 'passed' | 'failure'>,
  p99LimitMs: number,
): Pick<CeilingStep, 'sustained' | 'passed' | 'failure'> {
  const sustained = step.deliveriesPerSecond >= SUSTAINED_SHARE * step.offeredPerSecond;
  const reasons = [
    ...(step.driverSaturated ? ['the driver saturated'] : []),
    ...(sustained
      ? []
      : [`delivered ${Math.round(step.deliveriesPerSecond)}/s of ${Math.round(step.offeredPerSecond)}/s offered`]),
    ...(step.p99Ms <= p99LimitMs ? [] : [`p99 ${step.p99Ms.toFixed(1)} ms over ${p99LimitMs} ms`]),
  ];
  const passed = reasons.length === 0;
  return passed ? { sustained, passed } : { sustained, passed, failure: reasons.join('; ') };
}

export function ceilingVerdict(
  label: string,
  steps: readonly CeilingStep[],
  o: { p99LimitMs: number },
): Pick<CeilingResult, 'ceilingPerSecond' | 'limitedBy' | 'verdict'> {
  const held = steps.filter((s) => s.passed);
  const ceilingPerSecond = held.at(-1)?.deliveriesPerSecond ?? 0;
  const failed = steps.find((s) => !s.passed);
  const limitedBy: CeilingLimit = !failed
    ? 'not reached'
    : failed.driverSaturated
      ? 'driver'
      : failed.serverCpuShare < 0.5 && failed.otherCpuShare > NOISY_MACHINE
        ? 'machine'
        : 'server';
  const starved = failed
    ? `other processes used ${Math.round(failed.otherCpuShare * 100)}% of a core while ${label} used ${Math.round(failed.serverCpuShare * 100)}%`
    : '';
  const at = `${Math.round(ceilingPerSecond)} deliveries/s with p99 under ${o.p99LimitMs} ms`;
  const first = steps[0];
  const verdict =
    held.length === 0 && first
      ? `no step held: ${label} failed the first step (${Math.round(first.offeredPerSecond)}/s offered: ${first.failure})${limitedBy === 'driver' ? '; the driver saturated, so this says nothing about the server' : limitedBy === 'machine' ? `; ${starved}: the machine, not the server, ran out` : ''}; lower --ceiling-start`
      : limitedBy === 'machine'
        ? `the machine ran out, not ${label}: ${at} is a floor for ${label} (${failed?.failure}; ${starved})`
        : limitedBy === 'server'
          ? `${label} ran out: ${at}; the next step failed (${failed?.failure}) while the driver had room`
          : limitedBy === 'driver'
            ? `the driver ran out, not ${label}: ${at} is a floor for ${label}, not its ceiling (${failed?.failure})`
            : `no step failed: ${label} sustained ${at} at the largest step tried; raise --ceiling-steps to go further`;
  return { ceilingPerSecond, limitedBy, verdict };
}

/**
 * The largest sustained delivery rate with p99 under the limit, in one room: the send rate grows
 * by CEILING_GROWTH a step until a step fails. Clients use the light receive path.
 */
export async function runCeiling(
  pool: DriverPool,
  target: Target,
  server: ServerProcess,
  o: BenchOptions,
  progress: Progress,
): Promise<CeilingResult> {
  const plan = ceilingPlan(o);
  let stopLive = progress.live(() => `ceiling: ${driverProgress(pool).connected}/${plan.length} connected`);
  const connect = await connectAll(pool, target, server, plan, { receive: { sampleEvery: o.sampleEvery } }).finally(
    stopLive,
  );
  if (connect.failed > 0)
    throw new Error(`${target.label}: ${connect.failed} ceiling clients failed to connect (${connect.firstError})`);
  const steps: CeilingStep[] = [];
  try {
    let rate = o.ceilingStart / (o.ceilingSenders * o.ceilingClients);
    for (let i = 0; i < o.ceilingSteps && rate <= MAX_RATE_PER_SENDER; i++, rate *= CEILING_GROWTH) {
      const offered = Math.round(rate * o.ceilingSenders * o.ceilingClients);
      stopLive = progress.live(() => `ceiling step ${i + 1}: offering ${offered} deliveries/s`);
      await pool.all({ type: 'send-start', rate, textBytes: o.textBytes });
      await sleep(1000);
      const w = await measureWindow(pool, server, o.ceilingStepSeconds);
      await pool.all({ type: 'send-stop' });
      stopLive();
      const figures = {
        ratePerSender: Math.round(rate * 100) / 100,
        offeredPerSecond: (w.sent * o.ceilingClients) / w.seconds,
        deliveriesPerSecond: w.deliveriesPerSecond,
        p50Ms: w.latencyMs.p50,
        p99Ms: w.latencyMs.p99,
        timed: w.latencyMs.count,
        serverCpuShare: w.serverCpuShare,
        driverCpuShare: w.driverCpuShare,
        otherCpuShare: w.otherCpuShare,
        driverEluP90: w.driver.eluP90,
        driverLagMaxMs: w.driver.lagMaxMs,
        driverSaturated: w.driver.saturated,
      };
      const step = { ...figures, ...judgeStep(figures, o.ceilingP99) };
      steps.push(step);
      progress.line(
        `  ceiling step ${i + 1}: ${Math.round(step.deliveriesPerSecond)}/s of ${Math.round(step.offeredPerSecond)}/s offered, p99 ${step.p99Ms.toFixed(1)} ms, server CPU ${(step.serverCpuShare * 100).toFixed(0)}%, driver ELU p90 ${step.driverEluP90.toFixed(2)}${step.passed ? '' : ` -> failed: ${step.failure}`}`,
      );
      if (server.exited()) throw new Error(`${target.label} exited during the ceiling search:\n${server.output()}`);
      if (!step.passed) break;
      // Let this step's backlog land so the next one starts clean.
      await settle(pool, plan, 3000);
    }
  } finally {
    stopLive();
    await pool.all({ type: 'send-stop' });
    await pool.all({ type: 'close' });
  }
  return {
    clients: o.ceilingClients,
    senders: o.ceilingSenders,
    p99LimitMs: o.ceilingP99,
    sampleEvery: target.wire === 'v1' ? o.sampleEvery : 1,
    steps,
    ...ceilingVerdict(target.label, steps, { p99LimitMs: o.ceilingP99 }),
  };
}
