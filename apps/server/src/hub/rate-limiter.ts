export type RateVerdict = 'ok' | 'limited' | 'flood';

/**
 * Token bucket over inbound frames, and the flood policy: each denied frame is `limited` (it gets
 * a `rate_limited` reply); a sender still going after `burst` denials in a row is a `flood`.
 */
export class RateLimiter {
  private tokens: number;
  private last = performance.now();
  private strikes = 0;

  constructor(
    private readonly perSecond: number,
    private readonly burst: number,
  ) {
    this.tokens = burst;
  }

  take(now = performance.now()): RateVerdict {
    this.tokens = Math.min(this.burst, this.tokens + ((now - this.last) / 1000) * this.perSecond);
    this.last = now;
    if (this.tokens >= 1) {
      this.tokens -= 1;
      this.strikes = 0;
      return 'ok';
    }
    this.strikes += 1;
    return this.strikes > this.burst ? 'flood' : 'limited';
  }
}
