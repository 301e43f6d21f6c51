import { createLatencyHistogram, type Histogram } from '@roomcast/measure';
import { Violations } from './verify/violations.js';
import { type Counters, type ResumeFigures, type WorkerInit, zeroCounters } from './wire.js';

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
  readonly resume: ResumeFigures = {
    drops: 0,
    resumed: 0,
    maxGapMs: 0,
    failedAttempts: 0,
    expected: 0,
    received: 0,
    presenceAbout: {},
    dropped: {},
  };
  /** Traffic has begun: from now on, presence changes only through drops. */
  armed = false;
  /** Clients between a drop and their welcome back. */
  resuming = 0;

  constructor(readonly init: WorkerInit) {
    this.padding = init.padding > 0 ? ` ${'x'.repeat(init.padding)}` : '';
  }

  /** A client was welcomed back after a drop, `ms` after it lost the connection. */
  resumeGap(clientId: string, ms: number, resumed: boolean, nodeKilled: boolean): void {
    if (resumed) this.resume.resumed++;
    this.resume.maxGapMs = Math.max(this.resume.maxGapMs, Math.round(ms));
    const seen = this.resume.dropped[clientId] ?? { maxGapMs: 0, nodeKilled: false };
    this.resume.dropped[clientId] = {
      maxGapMs: Math.max(seen.maxGapMs, Math.round(ms)),
      nodeKilled: seen.nodeKilled || nodeKilled,
    };
  }

  /** resume mode: a presence change about `userId` arrived. */
  presenceAbout(userId: string): void {
    if (this.armed) this.resume.presenceAbout[userId] = (this.resume.presenceAbout[userId] ?? 0) + 1;
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
