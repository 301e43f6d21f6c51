import { describe, expect, it } from 'vitest';
import { judgeGoals } from './goals.js';
import type { BenchReport, TargetSummary } from './runner.js';

const summary = (target: string, cpu: number, extra: Partial<TargetSummary> = {}) =>
  ({ target, cpuMicrosPerDelivery: cpu, bytesPerIdleConnection: 8000, p99Ms: 4, ...extra }) as TargetSummary;

describe("issue 9's targets judged from a run", () => {
  it('states each as Roomcast over the peer, judges it against its bound, and leaves out what did not run', () => {
    const report = {
      summary: [
        summary('roomcast', 8, { ceiling: { ceilingPerSecond: 90_000 } as TargetSummary['ceiling'] }),
        summary('ws', 10, { ceiling: { ceilingPerSecond: 100_000 } as TargetSummary['ceiling'] }),
        summary('uws', 6),
      ],
    } as BenchReport;
    const goals = judgeGoals(report);
    expect(goals.map((g) => [g.goal, Number(g.ratio.toFixed(3)), g.held])).toEqual([
      ['fanout CPU/delivery ≤ 0.8× ws', 0.8, true],
      ['fanout CPU/delivery ≤ 1.3× uWS', 1.333, false],
      ['RSS per idle connection ≤ 1.0× ws', 1, true],
      ['fanout p99 ≤ 1.0× ws', 1, true],
      ['ceiling ≥ 1.0× ws', 0.9, false],
    ]);
    expect(judgeGoals({ summary: [summary('ws', 10)] } as BenchReport)).toEqual([]);
  });
});
