import { describe, expect, it } from 'vitest';
import { backoffDelay, DEFAULT_RECONNECT } from './backoff.js';

const policy = { ...DEFAULT_RECONNECT, initialDelayMs: 100, maxDelayMs: 1000, factor: 2 };

describe('backoffDelay', () => {
  it('grows by the factor per attempt and stops at the cap', () => {
    const noJitter = { ...policy, jitter: 0 };
    expect([1, 2, 3, 4, 5, 6, 50].map((n) => backoffDelay(n, noJitter))).toEqual([
      100, 200, 400, 800, 1000, 1000, 1000,
    ]);
  });

  it('randomizes the configured fraction of each delay, never above the nominal one', () => {
    const half = { ...policy, jitter: 0.5 };
    expect(backoffDelay(3, half, () => 0)).toBe(400);
    expect(backoffDelay(3, half, () => 0.999999)).toBe(200);
    expect(backoffDelay(3, half, () => 0.5)).toBe(300);
    expect(backoffDelay(3, { ...policy, jitter: 1 }, () => 0.999999)).toBe(0);
  });

  it('spreads clients over the window with the real random source', () => {
    const delays = new Set(Array.from({ length: 50 }, () => backoffDelay(4, { ...policy, jitter: 0.5 })));
    for (const d of delays) expect(d).toBeGreaterThanOrEqual(400);
    for (const d of delays) expect(d).toBeLessThanOrEqual(800);
    expect(delays.size).toBeGreaterThan(1);
  });
});
