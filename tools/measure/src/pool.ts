import { Worker } from 'node:worker_threads';
import { workerEntry } from './entry.js';
import { nowMs } from './stats.js';
import type { CommandMessage, LoopSample, WorkerMessage } from './worker-protocol.js';

/** Workers busier than this for a tenth of a window or more are the bottleneck, not the server. */
export const SATURATED_ELU = 0.9;

/** What driving a load cost the driver itself, and whether the driver, not the server, ran out. */
export interface DriverLoad {
  seconds: number;
  /** CPU of this process (main thread and every worker) over the window, in cores. */
  cpuCores: number;
  eluMean: number;
  eluP90: number;
  eluMax: number;
  /** Longest event-loop delay any worker saw in the window, ms. */
  lagMaxMs: number;
  saturated: boolean;
  /** Why it counts as saturated, for the output. */
  reason?: string;
}

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))];

/** Judges a window from the workers' loop samples: one busy moment is not saturation, a tenth of the window is. */
export function judgeLoad(samples: readonly LoopSample[], seconds: number, cpuCores: number): DriverLoad {
  const elu = samples.map((s) => s.elu).sort((a, b) => a - b);
  const eluP90 = percentile(elu, 0.9) ?? 0;
  const load: DriverLoad = {
    seconds,
    cpuCores,
    eluMean: elu.length ? elu.reduce((a, b) => a + b, 0) / elu.length : 0,
    eluP90,
    eluMax: elu.at(-1) ?? 0,
    lagMaxMs: Math.max(0, ...samples.map((s) => s.lagMs)),
    saturated: eluP90 > SATURATED_ELU,
  };
  if (load.saturated) {
    load.reason = `driver workers were over ${SATURATED_ELU * 100}% busy for a tenth of the window or more (ELU p90 ${eluP90.toFixed(2)})`;
  }
  return load;
}

/** Several measured windows as one: time-weighted means, the worst of each peak, saturated if any window was. */
export function combineLoads(loads: readonly DriverLoad[]): DriverLoad {
  const seconds = loads.reduce((n, l) => n + l.seconds, 0);
  const weighted = (f: (l: DriverLoad) => number) =>
    seconds > 0 ? loads.reduce((n, l) => n + f(l) * l.seconds, 0) / seconds : 0;
  const saturated = loads.find((l) => l.saturated);
  return {
    seconds,
    cpuCores: weighted((l) => l.cpuCores),
    eluMean: weighted((l) => l.eluMean),
    eluP90: Math.max(0, ...loads.map((l) => l.eluP90)),
    eluMax: Math.max(0, ...loads.map((l) => l.eluMax)),
    lagMaxMs: Math.max(0, ...loads.map((l) => l.lagMaxMs)),
    saturated: saturated !== undefined,
    ...(saturated?.reason ? { reason: saturated.reason } : {}),
  };
}

/** A set of worker threads on one entry module, commanded together from the main thread. */
export class WorkerPool<C, P> {
  private readonly workers: Worker[] = [];
  private readonly latest: P[] = [];
  private readonly pending = new Map<number, { resolve(v: unknown): void; reject(e: Error): void }>();
  private rid = 0;
  private samples: LoopSample[] | undefined;
  private listener: ((totals: P[]) => void) | undefined;

  /** `entry` is a worker module calling serveCommands; built or TypeScript source, either runs. */
  constructor(entry: URL, count: number, zero: () => P, workerData: (index: number) => unknown = () => undefined) {
    const start = workerEntry(entry);
    for (let i = 0; i < count; i++) {
      const worker = new Worker(start.script, {
        eval: start.eval,
        execArgv: start.execArgv,
        workerData: workerData(i),
      });
      this.latest.push(zero());
      worker.on('message', (msg: WorkerMessage<P>) => this.onMessage(i, msg));
      worker.on('error', (err) => this.failAll(err));
      worker.on('exit', (code) => {
        if (code !== 0) this.failAll(new Error(`worker ${i} exited with code ${code}`));
      });
      this.workers.push(worker);
    }
  }

  get size(): number {
    return this.workers.length;
  }

  /** The latest counters of each worker. */
  counters(): readonly P[] {
    return this.latest;
  }

  onProgress(listener: ((counters: readonly P[]) => void) | undefined): void {
    this.listener = listener;
  }

  /** Sends one command to one worker and waits for its answer. */
  call<T>(worker: number, cmd: C): Promise<T> {
    const w = this.workers[worker];
    if (!w) return Promise.reject(new Error(`no worker ${worker}`));
    const rid = ++this.rid;
    return new Promise<T>((resolve, reject) => {
      this.pending.set(rid, { resolve: resolve as (v: unknown) => void, reject });
      w.postMessage({ rid, cmd } satisfies CommandMessage<C>);
    });
  }

  /** The same command to every worker (or one per worker from a function), answers in worker order. */
  all<T>(cmd: C | ((worker: number) => C)): Promise<T[]> {
    return Promise.all(
      this.workers.map((_, i) => this.call<T>(i, typeof cmd === 'function' ? (cmd as (w: number) => C)(i) : cmd)),
    );
  }

  /** Runs `drive` and measures what it cost the driver; the one way a scenario marks its measured window. */
  async measure<T>(drive: () => Promise<T>): Promise<{ value: T; load: DriverLoad }> {
    if (this.samples) throw new Error('measure() windows do not nest');
    this.samples = [];
    const cpu0 = process.cpuUsage();
    const t0 = nowMs();
    try {
      const value = await drive();
      const seconds = (nowMs() - t0) / 1000;
      const cpu = process.cpuUsage(cpu0);
      return { value, load: judgeLoad(this.samples, seconds, (cpu.user + cpu.system) / 1e6 / Math.max(seconds, 1e-3)) };
    } finally {
      this.samples = undefined;
    }
  }

  async terminate(): Promise<void> {
    for (const worker of this.workers) worker.removeAllListeners('exit');
    await Promise.all(this.workers.map((w) => w.terminate()));
  }

  private onMessage(worker: number, msg: WorkerMessage<P>): void {
    if (msg.type === 'progress') {
      this.latest[worker] = msg.counters;
      this.samples?.push(msg.load);
      this.listener?.(this.latest);
      return;
    }
    const p = this.pending.get(msg.rid);
    if (!p) return;
    this.pending.delete(msg.rid);
    if (msg.ok) p.resolve(msg.value);
    else p.reject(new Error(`worker ${worker} failed: ${msg.error}`));
  }

  private failAll(err: Error): void {
    for (const p of this.pending.values()) p.reject(err);
    this.pending.clear();
  }
}
