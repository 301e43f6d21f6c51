import { type Progress, sleep } from '@roomcast/measure';
import type { ClientPlan } from '../driver/messages.js';
import { type DriverPool, driverProgress } from '../driver/pool.js';
import type { BenchOptions } from '../options.js';
import type { ServerProcess } from '../server-process.js';
import type { Target } from '../targets.js';
import { connectAll } from './connect.js';
import { expectedDeliveries, measureWindow, settle, type WindowFigures } from './window.js';

export interface FanoutResult extends WindowFigures {
  connected: number;
  connectMs: number;
  /** The busiest driver worker's event loop in the window. */
  driverMaxElu: number;
  /** Over the whole run after the senders stopped and deliveries drained: delivered / expected. */
  sentTotal: number;
  expectedTotal: number;
  deliveredTotal: number;
  acked: number;
  rejected: number;
  unexpectedCloses: number;
}

/** One fan-out load: who connects, who sends how fast, and how receipts are read. */
export interface FanoutLoad {
  clients: number;
  rooms: number;
  senders: number;
  rate: number;
  /** 1: parse and time every receipt; N: the light path (count all, time one in N). */
  sampleEvery: number;
}

/** The `fanout` scenario: many rooms, every receipt parsed. */
export const manyRooms = (o: BenchOptions): FanoutLoad => ({
  clients: o.clients,
  rooms: o.rooms,
  senders: o.senders,
  rate: o.rate,
  sampleEvery: 1,
});

/** The `room` scenario: one big room at a rate only the light receive path keeps up with. */
export const oneRoom = (o: BenchOptions): FanoutLoad => ({
  clients: o.roomClients,
  rooms: 1,
  senders: o.roomSenders,
  rate: o.roomRate,
  sampleEvery: o.sampleEvery,
});

/** Client i sits in room i % rooms; the first `senders` clients send, so senders spread evenly too. */
export function fanoutPlan(o: Pick<FanoutLoad, 'clients' | 'rooms' | 'senders'>): ClientPlan[] {
  return Array.from({ length: o.clients }, (_, i) => ({
    name: `c${i}`,
    room: `room-${i % o.rooms}`,
    sender: i < o.senders,
  }));
}

/** S senders at M msg/s into rooms of C/R clients; CPU and latency over a window after a warm-up. */
export async function runFanout(
  pool: DriverPool,
  target: Target,
  server: ServerProcess,
  load: FanoutLoad,
  o: BenchOptions,
  progress: Progress,
): Promise<FanoutResult> {
  const plan = fanoutPlan(load);
  const connectStart = performance.now();
  let stopLive = progress.live(() => `fanout: ${driverProgress(pool).connected}/${load.clients} connected`);
  const receive = { sampleEvery: load.sampleEvery };
  const connect = await connectAll(pool, target, server, plan, { receive }).finally(stopLive);
  const connectMs = performance.now() - connectStart;
  if (connect.failed > 0)
    throw new Error(`${target.label}: ${connect.failed} clients failed to connect (${connect.firstError})`);

  await pool.all({ type: 'send-start', rate: load.rate, textBytes: o.textBytes });
  const base = driverProgress(pool).delivered;
  stopLive = progress.live(() => {
    const now = driverProgress(pool);
    return `fanout: ${now.sent} sent, ${now.delivered - base} delivered`;
  });
  try {
    await sleep(o.warmup * 1000);
    const window = await measureWindow(pool, server, o.duration);
    await pool.all({ type: 'send-stop' });
    // Let in-flight deliveries land, then check nothing went missing over the whole run.
    const end = await settle(pool, plan);
    stopLive();
    if (server.exited()) throw new Error(`${target.label} exited during fanout:\n${server.output()}`);
    return {
      ...window,
      connected: connect.connected,
      connectMs,
      driverMaxElu: window.driver.eluMax,
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
