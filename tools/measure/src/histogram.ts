import { build, decodeFromCompressedBase64, encodeIntoCompressedBase64, type Histogram } from 'hdr-histogram-js';

export type { Histogram };

/** Latency histogram in microseconds, 3 significant digits; resizes itself, so no sample is clamped or dropped. */
export function createLatencyHistogram(): Histogram {
  return build({ lowestDiscernibleValue: 1, highestTrackableValue: 60_000_000, numberOfSignificantValueDigits: 3 });
}

/** Records a latency given in milliseconds (sub-millisecond precision kept). */
export function recordMs(histogram: Histogram, ms: number): void {
  histogram.recordValue(Math.max(1, Math.round(ms * 1000)));
}

/** Compact form that crosses worker and process boundaries. */
export function encodeHistogram(histogram: Histogram): string {
  return encodeIntoCompressedBase64(histogram);
}

/** Adds every encoded histogram into one (workers record separately; percentiles need the union). */
export function mergeHistograms(encoded: readonly string[]): Histogram {
  const merged = createLatencyHistogram();
  for (const item of encoded) if (item) merged.add(decodeFromCompressedBase64(item));
  return merged;
}

/** Percentiles in milliseconds, the same fields in the simulator and the bench. */
export interface LatencySummary {
  unit: 'ms';
  count: number;
  min: number;
  mean: number;
  p50: number;
  p90: number;
  p95: number;
  p99: number;
  p999: number;
  max: number;
  /** Points for the percentile plot, denser toward the tail. */
  curve: { percentile: number; ms: number }[];
}

const CURVE = [0, 10, 25, 50, 75, 90, 95, 97.5, 99, 99.5, 99.9, 99.95, 99.99, 99.999, 100];
const ms = (us: number) => Math.round(us) / 1000;

/** Null when nothing was recorded: no figure is better than a made-up zero. */
export function summarizeLatency(histogram: Histogram): LatencySummary | null {
  if (histogram.totalCount === 0) return null;
  const at = (p: number) => ms(histogram.getValueAtPercentile(p));
  return {
    unit: 'ms',
    count: histogram.totalCount,
    min: ms(histogram.minNonZeroValue),
    mean: ms(histogram.mean),
    p50: at(50),
    p90: at(90),
    p95: at(95),
    p99: at(99),
    p999: at(99.9),
    max: ms(histogram.maxValue),
    curve: CURVE.map((percentile) => ({
      percentile,
      ms: percentile === 100 ? ms(histogram.maxValue) : at(percentile),
    })),
  };
}
