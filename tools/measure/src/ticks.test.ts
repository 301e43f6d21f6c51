import { describe, expect, it } from 'vitest';
import { niceTicks } from './ticks.js';

describe('niceTicks', () => {
  it('steps by 1, 2 or 5 times a power of ten and ends at or past the maximum', () => {
    expect(niceTicks(69.2)).toEqual([0, 20, 40, 60, 80]);
    expect(niceTicks(4)).toEqual([0, 1, 2, 3, 4]);
    expect(niceTicks(0.37)).toEqual([0, 0.1, 0.2, 0.3, 0.4]);
    expect(niceTicks(1234)).toEqual([0, 500, 1000, 1500]);
    expect(niceTicks(0)).toEqual([0, 1]);
  });

  it('never gives a tick that is not 1, 2 or 5 times a power of ten apart', () => {
    for (const max of [0.013, 0.9, 7, 13, 99, 101, 2500, 87_000]) {
      const t = niceTicks(max);
      expect(t.length).toBeGreaterThanOrEqual(3);
      expect(t.at(-1)).toBeGreaterThanOrEqual(max);
      const step = (t[1] as number) - (t[0] as number);
      const mantissa = Number((step / 10 ** Math.floor(Math.log10(step))).toPrecision(6));
      expect([1, 2, 5]).toContain(mantissa);
    }
  });
});
