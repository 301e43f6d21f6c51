import { type LatencySummary, nowMs, type Progress, summarizeLatency } from '@roomcast/measure';
import { type DriverPool, driverProgress } from '../driver/pool.js';
import type { BenchOptions } from '../options.js';
import type { ServerProcess } from '../server-process.js';
import type { Target } from '../targets.js';
import { peakRssBytes, rssBytes } from '../usage.js';
import { connectAll } from './connect.js';
import { NO_LATENCY } from './window.js';

export interface StormResult {
  clients: number;
  roomSize: number;
  connected: number;
  failed: number;
  firstError?: string;
  /** From the moment every client was told to connect until the last welcome arrived; NaN if any failed. */
  secondsToAllWelcomed: number;
  /** Per client, from the command to its welcome. */
  welcomeMs: LatencySummary;
  rssBeforeBytes: number;
  /** The most the server process ever held resident (VmHWM): a fresh process, so the storm's peak. */
  peakRssBytes: number;
  rssAfterBytes: number;
}

/** Generous per-client bound: a storm queues connections in the kernel's accept backlog. */
const STORM_TIMEOUT_MS = 60_000;

/** N clients connect at once, as after a deploy: time until every one has its welcome, and the server's peak RSS. */
export async function runStorm(
  pool: DriverPool,
  target: Target,
  server: ServerProcess,
  o: BenchOptions,
  progress: Progress,
): Promise<StormResult> {
  const plan = Array.from({ length: o.stormClients }, (_, i) => ({
    name: `s${i}`,
    room: `storm-${Math.floor(i / o.stormRoomSize)}`,
    sender: false,
  }));
  const rssBeforeBytes = rssBytes(server.pids());
  const stopLive = progress.live(() => `storm: ${driverProgress(pool).connected}/${plan.length} welcomed`);
  const t0 = nowMs();
  try {
    const storm = await connectAll(pool, target, server, plan, {
      concurrency: plan.length,
      timeoutMs: STORM_TIMEOUT_MS,
    }).finally(stopLive);
    const rssAfterBytes = rssBytes(server.pids());
    const result: StormResult = {
      clients: plan.length,
      roomSize: o.stormRoomSize,
      connected: storm.connected,
      failed: storm.failed,
      secondsToAllWelcomed: storm.failed === 0 ? (storm.lastWelcomeAt - t0) / 1000 : Number.NaN,
      welcomeMs: summarizeLatency(storm.welcomeTimes) ?? NO_LATENCY,
      rssBeforeBytes,
      // VmHWM lags the kernel's split RSS counters by a few pages: never below an RSS we saw.
      peakRssBytes: Math.max(peakRssBytes(server.pids()), rssBeforeBytes, rssAfterBytes),
      rssAfterBytes,
    };
    if (server.exited()) throw new Error(`${target.label} exited during the storm:\n${server.output()}`);
    return storm.firstError === undefined ? result : { ...result, firstError: storm.firstError };
  } finally {
    await pool.all({ type: 'close' });
  }
}
