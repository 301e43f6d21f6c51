import { createLatencyHistogram, type Histogram } from '@roomcast/measure';
import { Violations } from './verify/violations.js';
import { type Counters, type WorkerInit, zeroCounters } from './wire.js';

/** State one worker's sessions share: counters, histograms, violations, acknowledged seqs. */
export class WorkerContext {
  readonly counters: Counters = zeroCounters();
  readonly errorsByCode: Record<string, number> = {};
  latency: Histogram = createLatencyHistogram();
  readonly connectTime: Histogram = createLatencyHistogram();
  readonly violations = new Violations();
  readonly acked = new Map<string, number[]>();
  logged = 0;
  logOverflow = false;
  lastFrameAt = 0;
  pending = 0;
  readonly padding: string;

  constructor(readonly init: WorkerInit) {
    this.padding = init.padding > 0 ? ` ${'x'.repeat(init.padding)}` : '';
  }

  countError(code: string): void {
    this.counters.errors++;
    this.errorsByCode[code] = (this.errorsByCode[code] ?? 0) + 1;
  }

  countExpectedError(code: string): void {
    const key = `${code} (expected)`;
    this.errorsByCode[key] = (this.errorsByCode[key] ?? 0) + 1;
  }

  /** Whether one more frame may be logged (log mode), bounding memory. */
  canLog(): boolean {
    if (this.logged >= this.init.logLimit) {
      this.logOverflow = true;
      return false;
    }
    this.logged++;
    return true;
  }
}
