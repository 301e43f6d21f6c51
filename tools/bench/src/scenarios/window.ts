import {
  type DriverLoad,
  type LatencySummary,
  machineMicros,
  mergeHistograms,
  sleep,
  summarizeLatency,
} from '@roomcast/measure';
import type { TotalsReply, WindowReply } from '../driver/messages.js';
import type { DriverPool } from '../driver/pool.js';
import type { ServerProcess } from '../server-process.js';
import { cpuMicros } from '../usage.js';

/** Figures of one measured window of steady load. */
export interface WindowFigures {
  seconds: number;
  sent: number;
  delivered: number;
  deliveriesPerSecond: number;
  /** From every timed delivery (all of them, or the light path's sample). */
  latencyMs: LatencySummary;
  /** Every process of the target (nodes, workers, Redis), user + system. */
  serverCpuMicros: number;
  /** Server CPU (user + system) in the window divided by deliveries in the window. */
  cpuMicrosPerDelivery: number;
  /** Server CPU in the window as a share of one core. */
  serverCpuShare: number;
  /** The driver process (all its threads) as a share of one core. */
  driverCpuShare: number;
  /**
   * CPU the rest of the machine used in the window (busy time minus server and driver), as a share
   * of one core: anything else running competes with the server and shows up here as noise.
   */
  otherCpuShare: number;
  /** The driver's own load in the window, and whether it, not the server, ran out. */
  driver: DriverLoad;
}

/** Stands in for a summary when nothing was timed, so tables print n/a instead of failing. */
export const NO_LATENCY: LatencySummary = {
  unit: 'ms',
  count: 0,
  min: Number.NaN,
  mean: Number.NaN,
  p50: Number.NaN,
  p90: Number.NaN,
  p95: Number.NaN,
  p99: Number.NaN,
  p999: Number.NaN,
  max: Number.NaN,
  curve: [],
};

/** Measures `seconds` of whatever load is running: server CPU from /proc, latency from the workers. */
export async function measureWindow(pool: DriverPool, server: ServerProcess, seconds: number): Promise<WindowFigures> {
  await pool.all({ type: 'measure-start' });
  const pids = server.pids();
  const cpu0 = cpuMicros(pids);
  const machine0 = machineMicros();
  const { value: windows, load } = await pool.measure(async () => {
    await sleep(seconds * 1000);
    return pool.all<WindowReply>({ type: 'measure-stop' });
  });
  const serverCpuMicros = cpuMicros(pids) - cpu0;
  const machineBusy = machineMicros().busy - machine0.busy;
  const elapsedMicros = load.seconds * 1e6;
  const driverCpuMicros = load.cpuCores * elapsedMicros;
  const delivered = windows.reduce((n, w) => n + w.delivered, 0);
  return {
    seconds: load.seconds,
    sent: windows.reduce((n, w) => n + w.sent, 0),
    delivered,
    deliveriesPerSecond: delivered / load.seconds,
    latencyMs: summarizeLatency(mergeHistograms(windows.map((w) => w.histogram))) ?? NO_LATENCY,
    serverCpuMicros,
    cpuMicrosPerDelivery: serverCpuMicros / delivered,
    serverCpuShare: serverCpuMicros / elapsedMicros,
    driverCpuShare: load.cpuCores,
    otherCpuShare: Math.max(0, machineBusy - serverCpuMicros - driverCpuMicros) / elapsedMicros,
    driver: load,
  };
}

/** Counts since connect summed over the workers. */
export async function totals(pool: DriverPool): Promise<TotalsReply> {
  const replies = await pool.all<TotalsReply>({ type: 'totals' });
  const sentByRoom: Record<string, number> = {};
  for (const r of replies)
    for (const [room, n] of Object.entries(r.sentByRoom)) sentByRoom[room] = (sentByRoom[room] ?? 0) + n;
  const sum = (key: 'delivered' | 'acked' | 'rejected' | 'unexpectedCloses') => replies.reduce((n, r) => n + r[key], 0);
  return {
    sentByRoom,
    delivered: sum('delivered'),
    acked: sum('acked'),
    rejected: sum('rejected'),
    unexpectedCloses: sum('unexpectedCloses'),
  };
}

/** Room sizes of a plan. */
export function roomSizes(plan: readonly { room: string }[]): Map<string, number> {
  const size = new Map<string, number>();
  for (const c of plan) size.set(c.room, (size.get(c.room) ?? 0) + 1);
  return size;
}

/** Deliveries owed: every message sent to a room reaches each of its members, the sender included. */
export function expectedDeliveries(plan: readonly { room: string }[], sentByRoom: Record<string, number>): number {
  const size = roomSizes(plan);
  return Object.entries(sentByRoom).reduce((sum, [room, sent]) => sum + sent * (size.get(room) ?? 0), 0);
}

/** Waits (bounded) until every delivery owed has landed and every send is answered; returns the last totals. */
export async function settle(pool: DriverPool, plan: readonly { room: string }[], maxMs = 5000): Promise<TotalsReply> {
  const done = (t: TotalsReply) =>
    t.delivered >= expectedDeliveries(plan, t.sentByRoom) &&
    t.acked + t.rejected >= Object.values(t.sentByRoom).reduce((a, b) => a + b, 0);
  let end = await totals(pool);
  for (let waited = 0; waited < maxMs && !done(end); waited += 100) {
    await sleep(100);
    end = await totals(pool);
  }
  return end;
}
