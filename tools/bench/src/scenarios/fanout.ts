import type { ClientPlan, TotalsReply, WindowReply } from '../driver/messages.js';
import type { DriverPool } from '../driver/pool.js';
import { type LatencySummary, mergeHistograms, summarizeLatency } from '../measure/histogram.js';
import { machineBusyMicros, processCpuMicros } from '../measure/proc.js';
import { sleep } from '../measure/stats.js';
import type { BenchOptions } from '../options.js';
import type { Progress } from '../progress.js';
import type { ServerProcess } from '../server-process.js';
import type { Target } from '../targets.js';
import { connectAll } from './connect.js';

export interface FanoutResult {
  connected: number;
  connectMs: number;
  windowSeconds: number;
  /** Inside the measured window. */
  sent: number;
  delivered: number;
  deliveriesPerSecond: number;
  latencyMs: LatencySummary;
  serverCpuMicros: number;
  /** Server CPU (user + system) in the window divided by deliveries in the window. */
  cpuMicrosPerDelivery: number;
  /** Server CPU in the window as a share of one core. */
  serverCpuShare: number;
  /** The driver process (all its threads) as a share of one core, and its busiest worker's event loop. */
  driverCpuShare: number;
  driverMaxElu: number;
  /**
   * CPU the rest of the machine used in the window (busy time minus server and driver), as a share
   * of one core: anything else running competes with the server and shows up here as noise.
   */
  otherCpuShare: number;
  /** Over the whole run after the senders stopped and deliveries drained: delivered / expected. */
  sentTotal: number;
  expectedTotal: number;
  deliveredTotal: number;
  acked: number;
  rejected: number;
  unexpectedCloses: number;
}

/** Client i sits in room i % rooms; the first `senders` clients send, so senders spread evenly too. */
export function fanoutPlan(o: Pick<BenchOptions, 'clients' | 'rooms' | 'senders'>): ClientPlan[] {
  return Array.from({ length: o.clients }, (_, i) => ({
    name: `c${i}`,
    room: `room-${i % o.rooms}`,
    sender: i < o.senders,
  }));
}

/** Deliveries owed: every message sent to a room reaches each of its members, the sender included. */
export function expectedDeliveries(plan: readonly ClientPlan[], sentByRoom: Record<string, number>): number {
  const size = new Map<string, number>();
  for (const c of plan) size.set(c.room, (size.get(c.room) ?? 0) + 1);
  return Object.entries(sentByRoom).reduce((sum, [room, sent]) => sum + sent * (size.get(room) ?? 0), 0);
}

async function totals(pool: DriverPool): Promise<TotalsReply> {
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

/** S senders at M msg/s into rooms of C/R clients; CPU and latency over a window after a warm-up. */
export async function runFanout(
  pool: DriverPool,
  target: Target,
  server: ServerProcess,
  o: BenchOptions,
  progress: Progress,
): Promise<FanoutResult> {
  const plan = fanoutPlan(o);
  const connectStart = performance.now();
  let stopLive = progress.live(() => `fanout: ${pool.progress().connected}/${o.clients} connected`);
  const connect = await connectAll(pool, target, server, plan).finally(stopLive);
  const connectMs = performance.now() - connectStart;
  if (connect.failed > 0)
    throw new Error(`${target.label}: ${connect.failed} clients failed to connect (${connect.firstError})`);

  await pool.all({ type: 'send-start', rate: o.rate, textBytes: o.textBytes });
  const base = pool.progress().delivered;
  stopLive = progress.live(() => `fanout: ${pool.progress().sent} sent, ${pool.progress().delivered - base} delivered`);
  try {
    await sleep(o.warmup * 1000);
    await pool.all({ type: 'measure-start' });
    const cpu0 = processCpuMicros(server.pid);
    const machine0 = machineBusyMicros();
    const driver0 = process.cpuUsage();
    const t0 = performance.now();
    await sleep(o.duration * 1000);
    const windows = await pool.all<WindowReply>({ type: 'measure-stop' });
    const cpu1 = processCpuMicros(server.pid);
    const machine1 = machineBusyMicros();
    const driver1 = process.cpuUsage(driver0);
    const elapsedMicros = (performance.now() - t0) * 1000;
    await pool.all({ type: 'send-stop' });

    // Let in-flight deliveries land, then check nothing went missing over the whole run.
    const settled = (t: TotalsReply) =>
      t.delivered >= expectedDeliveries(plan, t.sentByRoom) &&
      t.acked + t.rejected >= Object.values(t.sentByRoom).reduce((a, b) => a + b, 0);
    let end = await totals(pool);
    for (let i = 0; i < 50 && !settled(end); i++) {
      await sleep(100);
      end = await totals(pool);
    }
    stopLive();
    if (server.exited()) throw new Error(`${target.label} exited during fanout:\n${server.output()}`);

    const delivered = windows.reduce((n, w) => n + w.delivered, 0);
    const serverCpuMicros = cpu1 - cpu0;
    const driverCpuMicros = driver1.user + driver1.system;
    return {
      connected: connect.connected,
      connectMs,
      windowSeconds: elapsedMicros / 1e6,
      sent: windows.reduce((n, w) => n + w.sent, 0),
      delivered,
      deliveriesPerSecond: delivered / (elapsedMicros / 1e6),
      latencyMs: summarizeLatency(mergeHistograms(windows.map((w) => w.histogram))),
      serverCpuMicros,
      cpuMicrosPerDelivery: serverCpuMicros / delivered,
      serverCpuShare: serverCpuMicros / elapsedMicros,
      driverCpuShare: driverCpuMicros / elapsedMicros,
      otherCpuShare: Math.max(0, machine1 - machine0 - serverCpuMicros - driverCpuMicros) / elapsedMicros,
      driverMaxElu: Math.max(...windows.map((w) => w.elu)),
      sentTotal: Object.values(end.sentByRoom).reduce((a, b) => a + b, 0),
      expectedTotal: expectedDeliveries(plan, end.sentByRoom),
      deliveredTotal: end.delivered,
      acked: end.acked,
      rejected: end.rejected,
      unexpectedCloses: end.unexpectedCloses,
    };
  } finally {
    stopLive();
    await pool.all({ type: 'send-stop' });
    await pool.all({ type: 'close' });
  }
}
