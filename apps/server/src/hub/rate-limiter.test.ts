import { describe, expect, it } from 'vitest';
import { RateLimiter } from './rate-limiter.js';

describe('RateLimiter', () => {
  it('passes the burst, limits the next `burst` frames, then calls the rest a flood', () => {
    const limiter = new RateLimiter(10, 3);
    const verdicts = Array.from({ length: 8 }, () => limiter.take(performance.now()));
    expect(verdicts).toEqual(['ok', 'ok', 'ok', 'limited', 'limited', 'limited', 'flood', 'flood']);
  });

  it('refills at the sustained rate, never above the burst, and forgives strikes after a pass', () => {
    const limiter = new RateLimiter(10, 2);
    const t0 = performance.now();
    expect([limiter.take(t0), limiter.take(t0), limiter.take(t0), limiter.take(t0)]).toEqual([
      'ok',
      'ok',
      'limited',
      'limited',
    ]);
    // 100 ms at 10/s is one token: one frame passes and the strikes start over.
    expect([limiter.take(t0 + 100), limiter.take(t0 + 100), limiter.take(t0 + 100)]).toEqual([
      'ok',
      'limited',
      'limited',
    ]);
    expect(limiter.take(t0 + 100)).toBe('flood');
    // A long pause refills to the burst, not beyond it.
    const later = t0 + 60_000;
    expect([limiter.take(later), limiter.take(later), limiter.take(later)]).toEqual(['ok', 'ok', 'limited']);
    // 99 ms is not yet a whole token.
    expect(limiter.take(later + 99)).toBe('limited');
  });
});
