import { describe, expect, it } from 'vitest';
import { percentilePlot } from '../src/report/html.js';

const curve = (scale: number) =>
  [0, 50, 90, 99, 99.9, 100].map((percentile, i) => ({ percentile, ms: Math.round(scale * (i + 1) * 100) / 100 }));

describe('the HTML report latency plot', () => {
  it('labels the latency axis with round 1-2-5 ticks that reach past the slowest point', () => {
    const svg = percentilePlot([{ label: 'fanout', curve: curve(11.7) }]);
    const ticks = [...svg.matchAll(/>([\d.]+) ms<\/text>/g)].map((m) => Number(m[1]));
    // The slowest point below p100 is 58.5 ms; with 5% headroom, ticks of 20 reach 80.
    expect(ticks).toEqual([0, 20, 40, 60, 80]);
    const small = percentilePlot([{ label: 'x', curve: curve(0.07) }], 0.3);
    expect([...small.matchAll(/>([\d.]+) ms<\/text>/g)].map((m) => Number(m[1]))).toEqual([0, 0.1, 0.2, 0.3, 0.4]);
  });

  it('scales to its container (a phone included): a viewBox and no fixed width or height', () => {
    const svg = percentilePlot([{ label: 'fanout', curve: curve(3) }]);
    const open = /<svg [^>]*>/.exec(svg)?.[0] ?? '';
    expect(open).toMatch(/viewBox="0 0 720 320"/);
    expect(open).toMatch(/style="width:100%;height:auto/);
    expect(open).not.toMatch(/ width="|height="/);
  });
});
