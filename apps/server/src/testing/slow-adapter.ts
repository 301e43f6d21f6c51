import type { AdapterSink } from '../adapters/adapter.js';
import { MemoryAdapter } from '../adapters/memory/index.js';

const delay = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The same methods, each answering `ms` later. */
function late<T extends object>(target: T, ms: number): T {
  const out: Record<string, unknown> = {};
  for (const [key, fn] of Object.entries(target)) {
    out[key] =
      typeof fn === 'function'
        ? async (...args: unknown[]) => {
            await delay(ms);
            return (fn as (...a: unknown[]) => unknown).apply(target, args);
          }
        : fn;
  }
  return out as T;
}

/**
 * The real in-memory adapter behind a network's worth of latency: every broker, presence and
 * session call answers `ms` later. A test double of latency only; what it answers is MemoryAdapter's.
 */
export class SlowAdapter extends MemoryAdapter {
  constructor(private readonly ms = 50) {
    super();
    Object.defineProperty(this, 'broker', { value: late(this.broker, ms) });
    Object.defineProperty(this, 'presence', { value: late(this.presence, ms) });
    Object.defineProperty(this, 'sessions', { value: late(this.sessions, ms) });
  }

  override async start(sink: AdapterSink): Promise<void> {
    await delay(this.ms);
    return super.start(sink);
  }
}
