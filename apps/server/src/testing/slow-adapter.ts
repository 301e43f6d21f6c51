import type { AdapterSink } from '../adapters/adapter.js';
import { MemoryAdapter } from '../adapters/memory/index.js';

const delay = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * The real in-memory adapter behind a network's worth of latency: every broker, presence and
 * session call answers `ms` later, and `pause()` holds them all until `resume()`. A test double
 * of latency only; what it answers is MemoryAdapter's.
 */
export class SlowAdapter extends MemoryAdapter {
  private gate: Promise<void> = Promise.resolve();
  private release = () => {};

  constructor(private readonly ms = 50) {
    super();
    Object.defineProperty(this, 'broker', { value: this.late(this.broker) });
    Object.defineProperty(this, 'presence', { value: this.late(this.presence) });
    Object.defineProperty(this, 'sessions', { value: this.late(this.sessions) });
  }

  /** Holds every call, made before or after, until `resume()`: latency as long as a test needs. */
  pause(): void {
    this.gate = new Promise((resolve) => {
      this.release = resolve;
    });
  }

  resume(): void {
    this.release();
  }

  override async start(sink: AdapterSink): Promise<void> {
    await this.wait();
    return super.start(sink);
  }

  private async wait(): Promise<void> {
    await delay(this.ms);
    await this.gate;
  }

  /** The same methods, each answering after `wait()`. */
  private late<T extends object>(target: T): T {
    const out: Record<string, unknown> = {};
    for (const [key, fn] of Object.entries(target)) {
      out[key] =
        typeof fn === 'function'
          ? async (...args: unknown[]) => {
              await this.wait();
              return (fn as (...a: unknown[]) => unknown).apply(target, args);
            }
          : fn;
    }
    return out as T;
  }
}
