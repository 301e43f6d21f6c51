import type { Worker } from 'node:worker_threads';
import { startWorker } from '../runtime.js';
import type { Command, Reply, WorkerMessage } from './messages.js';

interface Pending {
  resolve(body: Reply): void;
  reject(err: Error): void;
}

/** The load driver's worker threads, commanded together from the main thread. */
export class DriverPool {
  private seq = 0;
  private readonly pending = new Map<number, Pending>();
  private readonly counts: { connected: number; delivered: number; sent: number }[];

  private constructor(private readonly workers: Worker[]) {
    this.counts = workers.map(() => ({ connected: 0, delivered: 0, sent: 0 }));
    workers.forEach((worker, index) => {
      worker.on('message', (message: WorkerMessage) => this.onMessage(index, message));
      worker.on('error', (err) => this.failAll(err));
      worker.on('exit', (code) => this.failAll(new Error(`driver worker ${index} exited with code ${code}`)));
    });
  }

  static start(count: number): DriverPool {
    return new DriverPool(Array.from({ length: count }, () => startWorker('driver/worker')));
  }

  get size(): number {
    return this.workers.length;
  }

  /** Latest live counts summed over the workers. */
  progress(): { connected: number; delivered: number; sent: number } {
    return this.counts.reduce(
      (sum, c) => ({
        connected: sum.connected + c.connected,
        delivered: sum.delivered + c.delivered,
        sent: sum.sent + c.sent,
      }),
      { connected: 0, delivered: 0, sent: 0 },
    );
  }

  /** Sends one command to every worker (or a per-worker command) and waits for every reply. */
  all<R extends Reply>(command: Command | ((index: number) => Command)): Promise<R[]> {
    return Promise.all(
      this.workers.map((worker, index) => {
        const seq = ++this.seq;
        return new Promise<R>((resolve, reject) => {
          this.pending.set(seq, { resolve: resolve as (body: Reply) => void, reject });
          worker.postMessage({ seq, command: typeof command === 'function' ? command(index) : command });
        });
      }),
    );
  }

  async terminate(): Promise<void> {
    for (const worker of this.workers) worker.removeAllListeners('exit');
    await Promise.all(this.workers.map((w) => w.terminate()));
  }

  private onMessage(index: number, message: WorkerMessage): void {
    if (message.type === 'progress') {
      this.counts[index] = { connected: message.connected, delivered: message.delivered, sent: message.sent };
      return;
    }
    const pending = this.pending.get(message.seq);
    this.pending.delete(message.seq);
    if (message.type === 'reply') pending?.resolve(message.body);
    else pending?.reject(new Error(`driver worker ${index}: ${message.error}`));
  }

  private failAll(err: Error): void {
    for (const p of this.pending.values()) p.reject(err);
    this.pending.clear();
  }
}
