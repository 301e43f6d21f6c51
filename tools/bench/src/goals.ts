import type { BenchReport, TargetSummary } from './runner.js';

/** One of issue 9's targets, judged from a run: Roomcast's figure, the bound it must meet, and whether it did. */
export interface Goal {
  goal: string;
  /** Roomcast's figure against the peer's, as the ratio the goal is stated in. */
  ratio: number;
  bound: number;
  /** Whether lower (cost, latency) or higher (ceiling) is better. */
  better: 'lower' | 'higher';
  held: boolean;
}

type Figure = (s: TargetSummary) => number | undefined;

const fanoutCpu: Figure = (s) => s.cpuMicrosPerDelivery;
const roomCpu: Figure = (s) => s.room?.cpuMicrosPerDelivery;
const idle: Figure = (s) => s.bytesPerIdleConnection;
const fanoutP99: Figure = (s) => s.p99Ms;
const roomP99: Figure = (s) => s.room?.p99Ms;
const ceiling: Figure = (s) => s.ceiling?.ceilingPerSecond;

const GOALS: { goal: string; figure: Figure; peer: string; bound: number; better: Goal['better'] }[] = [
  { goal: 'fanout CPU/delivery ≤ 0.8× ws', figure: fanoutCpu, peer: 'ws', bound: 0.8, better: 'lower' },
  { goal: 'one room CPU/delivery ≤ 0.8× ws', figure: roomCpu, peer: 'ws', bound: 0.8, better: 'lower' },
  { goal: 'fanout CPU/delivery ≤ 1.3× uWS', figure: fanoutCpu, peer: 'uws', bound: 1.3, better: 'lower' },
  { goal: 'one room CPU/delivery ≤ 1.3× uWS', figure: roomCpu, peer: 'uws', bound: 1.3, better: 'lower' },
  { goal: 'RSS per idle connection ≤ 1.0× ws', figure: idle, peer: 'ws', bound: 1, better: 'lower' },
  { goal: 'fanout p99 ≤ 1.0× ws', figure: fanoutP99, peer: 'ws', bound: 1, better: 'lower' },
  { goal: 'one room p99 ≤ 1.0× ws', figure: roomP99, peer: 'ws', bound: 1, better: 'lower' },
  { goal: 'ceiling ≥ 1.0× ws', figure: ceiling, peer: 'ws', bound: 1, better: 'higher' },
];

/**
 * Issue 9's targets as ratios from one run (Roomcast over the peer), each judged against its
 * bound. Goals whose figures the run lacks (a target or scenario left out) are omitted.
 */
export function judgeGoals(report: BenchReport): Goal[] {
  const find = (name: string) => report.summary.find((s) => s.target === name);
  const roomcast = find('roomcast');
  if (!roomcast) return [];
  return GOALS.flatMap(({ goal, figure, peer, bound, better }) => {
    const other = find(peer);
    const mine = figure(roomcast);
    const theirs = other ? figure(other) : undefined;
    if (mine === undefined || theirs === undefined || !(theirs > 0) || !Number.isFinite(mine)) return [];
    const ratio = mine / theirs;
    return [{ goal, ratio, bound, better, held: better === 'lower' ? ratio <= bound : ratio >= bound }];
  });
}
