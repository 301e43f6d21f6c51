/**
 * Round axis ticks from 0 past `max`, stepping 1, 2 or 5 times a power of ten, about `count`
 * of them: 0, 20, 40, 60 ms rather than 0, 17.3, 34.6.
 */
export function niceTicks(max: number, count = 5): number[] {
  if (!Number.isFinite(max) || max <= 0) return [0, 1];
  const rough = max / Math.max(1, count - 1);
  const power = 10 ** Math.floor(Math.log10(rough));
  const step = ([1, 2, 5, 10].find((m) => m * power >= rough) ?? 10) * power;
  const ticks: number[] = [];
  for (let k = 0; ticks.at(-1) === undefined || (ticks.at(-1) as number) < max; k++) {
    ticks.push(Number((k * step).toPrecision(12)));
  }
  return ticks;
}
