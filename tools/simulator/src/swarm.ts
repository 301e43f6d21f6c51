import { Worker } from 'node:worker_threads';
import { siblingUrl, workerEntry } from './module-url.js';
import { type Command, type Counters, type WorkerInit, type WorkerMessage, zeroCounters } from './wire.js';

export type ProgressListener = (totals: Counters) => void;

/** The client workers, spread over the cores, as one thing the scenarios can command. */
export class Swarm {
  private readonly workers: Worker[] = [];
  private readonly latest: Counters[] = [];
  private readonly pending = new Map<number, { resolve(v: unknown): void; reject(e: Error): void }>();
  private rid = 0;
  private eluSamples: number[] = [];
  private listener: ProgressListener | undefined;
  /** Saturation is judged while traffic flows, not while clients connect. */
  measuring = false;

  constructor(count: number, init: Omit<WorkerInit, 'workerIndex'>) {
    const entry = workerEntry(siblingUrl('worker'));
    for (let i = 0; i < count; i++) {
      const worker = new Worker(entry.script, {
        eval: entry.eval,
        execArgv: entry.execArgv,
        workerData: { ...init, workerIndex: i } satisfies WorkerInit,
      });
      this.latest.push(zeroCounters());
      worker.on('message', (msg: WorkerMessage) => this.onMessage(i, msg));
      worker.on('error', (err) => this.failAll(err));
      worker.on('exit', (code) => {
        if (code !== 0) this.failAll(new Error(`client worker ${i} exited with code ${code}`));
      });
      this.workers.push(worker);
    }
  }

  get size(): number {
    return this.workers.length;
  }

  onProgress(listener: ProgressListener | undefined): void {
    this.listener = listener;
  }

  totals(): Counters {
    const sum = zeroCounters();
    for (const c of this.latest) for (const k of Object.keys(sum) as (keyof Counters)[]) sum[k] += c[k];
    return sum;
  }

  /** Event-loop utilization of the workers while measuring: mean, 90th percentile and max of the samples. */
  takeElu(): { mean: number; p90: number; max: number } {
    const s = this.eluSamples.sort((a, b) => a - b);
    this.eluSamples = [];
    if (s.length === 0) return { mean: 0, p90: 0, max: 0 };
    const p90 = s[Math.min(s.length - 1, Math.floor(s.length * 0.9))] ?? 0;
    return { mean: s.reduce((a, b) => a + b, 0) / s.length, p90, max: s[s.length - 1] ?? 0 };
  }

  /** Sends one command to one worker and waits for its answer. */
  call<T>(worker: number, cmd: Command): Promise<T> {
    const w = this.workers[worker];
    if (!w) return Promise.reject(new Error(`no worker ${worker}`));
    const rid = ++this.rid;
    return new Promise<T>((resolve, reject) => {
      this.pending.set(rid, { resolve: resolve as (v: unknown) => void, reject });
      w.postMessage({ rid, cmd });
    });
  }

  /** The same command to every worker (or one per worker from a function). */
  all<T>(cmd: Command | ((worker: number) => Command)): Promise<T[]> {
    return Promise.all(this.workers.map((_, i) => this.call<T>(i, typeof cmd === 'function' ? cmd(i) : cmd)));
  }

  async terminate(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.terminate()));
  }

  private onMessage(worker: number, msg: WorkerMessage): void {
    if (msg.type === 'progress') {
      this.latest[worker] = msg.counters;
      if (this.measuring) this.eluSamples.push(msg.elu);
      this.listener?.(this.totals());
      return;
    }
    const p = this.pending.get(msg.rid);
    if (!p) return;
    this.pending.delete(msg.rid);
    if (msg.ok) p.resolve(msg.value);
    else p.reject(new Error(`client worker ${worker} failed: ${msg.error}`));
  }

  private failAll(err: Error): void {
    for (const p of this.pending.values()) p.reject(err);
    this.pending.clear();
  }
}
