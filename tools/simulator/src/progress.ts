import type { Counters } from './wire.js';

/** One live status line on a TTY (stderr), rewritten in place; silent elsewhere. */
export class Progress {
  private phase = 'starting';
  private counters: Counters | undefined;
  private last = 0;
  private rateFrom: { t: number; delivered: number } | undefined;
  private rate = 0;
  private readonly started = Date.now();

  constructor(private readonly stream: NodeJS.WriteStream) {}

  get enabled(): boolean {
    return this.stream.isTTY === true;
  }

  setPhase(phase: string): void {
    this.phase = phase;
    this.draw(true);
  }

  update(counters: Counters): void {
    this.counters = counters;
    const t = Date.now();
    if (!this.rateFrom) this.rateFrom = { t, delivered: counters.delivered };
    else if (t - this.rateFrom.t >= 1000) {
      this.rate = Math.round(((counters.delivered - this.rateFrom.delivered) * 1000) / (t - this.rateFrom.t));
      this.rateFrom = { t, delivered: counters.delivered };
    }
    this.draw(false);
  }

  done(): void {
    if (this.enabled) this.stream.write('\r\x1b[2K');
  }

  private draw(force: boolean): void {
    if (!this.enabled) return;
    const t = Date.now();
    if (!force && t - this.last < 200) return;
    this.last = t;
    const c = this.counters;
    const secs = ((t - this.started) / 1000).toFixed(0);
    const line = c
      ? `[${secs}s] ${this.phase}: connected ${c.open}  sent ${c.sent}  delivered ${c.delivered} (${this.rate}/s)  errors ${c.errors + c.connectFailures}`
      : `[${secs}s] ${this.phase}`;
    this.stream.write(`\r\x1b[2K${line.slice(0, (this.stream.columns || 120) - 1)}`);
  }
}
