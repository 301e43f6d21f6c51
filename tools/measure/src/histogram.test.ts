import { describe, expect, it } from 'vitest';
import { createLatencyHistogram, encodeHistogram, mergeHistograms, recordMs, summarizeLatency } from './histogram.js';
import { median, range } from './stats.js';

describe('latency histograms', () => {
  it('merges encoded per-worker histograms into the same percentiles as one histogram of every sample', () => {
    const all = createLatencyHistogram();
    const parts = [createLatencyHistogram(), createLatencyHistogram(), createLatencyHistogram()];
    // Three workers with different shapes: fast, slow, and a long tail.
    for (let i = 0; i < 30_000; i++) {
      const worker = i % 3;
      const us = worker === 0 ? 200 + (i % 500) : worker === 1 ? 1500 + (i % 2000) : i % 97 === 0 ? 250_000 : 900;
      parts[worker]?.recordValue(us);
      all.recordValue(us);
    }
    const merged = mergeHistograms(parts.map(encodeHistogram));
    expect(merged.totalCount).toBe(30_000);
    const a = summarizeLatency(merged);
    const b = summarizeLatency(all);
    if (!a || !b) throw new Error('both histograms hold samples');
    // Percentiles agree exactly; the max is reported at bucket precision (3 significant digits) after decoding.
    expect({ ...a, max: 0, curve: [] }).toEqual({ ...b, max: 0, curve: [] });
    expect(a.max).toBeCloseTo(b.max, 0);
    expect(a.p50).toBeLessThan(a.p99);
    expect(a.curve).toHaveLength(15);
    expect(a.curve.at(-1)).toEqual({ percentile: 100, ms: a.max });
  });

  it('keeps values beyond the initial range instead of dropping them', () => {
    const h = createLatencyHistogram();
    h.recordValue(120_000_000);
    expect(summarizeLatency(mergeHistograms([encodeHistogram(h)]))?.max).toBeGreaterThanOrEqual(119_000);
  });

  it('records milliseconds as microseconds and gives no summary for an empty histogram', () => {
    const h = createLatencyHistogram();
    expect(summarizeLatency(h)).toBeNull();
    recordMs(h, 2.5);
    recordMs(h, 0);
    expect(summarizeLatency(h)).toMatchObject({ count: 2, min: 0.001, max: 2.5 });
  });

  it('takes medians and ranges over rounds, ignoring rounds without a figure', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median([Number.NaN, 5])).toBe(5);
    expect(median([])).toBeNaN();
    expect(range([3, 9, 1])).toEqual([1, 9]);
  });
});
