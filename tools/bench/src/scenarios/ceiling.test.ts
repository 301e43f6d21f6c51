import { describe, expect, it } from 'vitest';
import { type CeilingStep, ceilingPlan, ceilingVerdict, judgeStep } from './ceiling.js';

const figures = (over: Partial<CeilingStep> = {}) => ({
  ratePerSender: 10,
  offeredPerSecond: 10_000,
  deliveriesPerSecond: 10_000,
  p50Ms: 2,
  p99Ms: 10,
  timed: 600,
  serverCpuShare: 0.4,
  driverCpuShare: 0.5,
  otherCpuShare: 0,
  driverEluP90: 0.5,
  driverLagMaxMs: 12,
  driverSaturated: false,
  ...over,
});
const step = (over: Partial<CeilingStep> = {}): CeilingStep => ({ ...figures(over), ...judgeStep(figures(over), 50) });

describe('the ceiling search judges each step', () => {
  it('holds a step that delivered what was offered with p99 under the limit', () => {
    expect(judgeStep(figures(), 50)).toEqual({ sustained: true, passed: true });
    expect(judgeStep(figures({ deliveriesPerSecond: 9_500 }), 50).passed).toBe(true);
  });

  it('fails a step for latency, for falling behind, or for a saturated driver, and says which', () => {
    expect(judgeStep(figures({ p99Ms: 51 }), 50)).toEqual({
      sustained: true,
      passed: false,
      failure: 'p99 51.0 ms over 50 ms',
    });
    expect(judgeStep(figures({ deliveriesPerSecond: 9_000 }), 50)).toMatchObject({
      sustained: false,
      failure: 'delivered 9000/s of 10000/s offered',
    });
    expect(judgeStep(figures({ driverSaturated: true }), 50).failure).toBe('the driver saturated');
  });

  it('names the server when it ran out with the driver idle, the driver when the driver saturated', () => {
    const server = ceilingVerdict(
      'ws peer',
      [step(), step({ deliveriesPerSecond: 12_000, offeredPerSecond: 15_000 })],
      {
        p99LimitMs: 50,
      },
    );
    expect(server).toMatchObject({ ceilingPerSecond: 10_000, limitedBy: 'server' });
    expect(server.verdict).toMatch(/^ws peer ran out: 10000 deliveries\/s/);
    const driver = ceilingVerdict('Roomcast', [step(), step({ driverSaturated: true })], { p99LimitMs: 50 });
    expect(driver).toMatchObject({ ceilingPerSecond: 10_000, limitedBy: 'driver' });
    expect(driver.verdict).toMatch(/^the driver ran out, not Roomcast/);
    expect(ceilingVerdict('x', [step(), step()], { p99LimitMs: 50 })).toMatchObject({ limitedBy: 'not reached' });
    // The server barely busy while other processes took most of a core: the machine was the limit.
    const starved = ceilingVerdict(
      'uWS peer',
      [step(), step({ p99Ms: 300, serverCpuShare: 0.1, otherCpuShare: 1.6 })],
      {
        p99LimitMs: 50,
      },
    );
    expect(starved).toMatchObject({ ceilingPerSecond: 10_000, limitedBy: 'machine' });
    expect(starved.verdict).toMatch(
      /^the machine ran out, not uWS peer: .*other processes used 160% of a core while uWS peer used 10%/,
    );
    expect(ceilingVerdict('x', [step({ p99Ms: 80 })], { p99LimitMs: 50 })).toMatchObject({
      ceilingPerSecond: 0,
      limitedBy: 'server',
      verdict: expect.stringMatching(/^no step held/),
    });
  });

  it('puts every client in one room, the first ones sending', () => {
    const plan = ceilingPlan({ ceilingClients: 5, ceilingSenders: 2 });
    expect(plan.map((c) => [c.room, c.sender])).toEqual([
      ['ceiling', true],
      ['ceiling', true],
      ['ceiling', false],
      ['ceiling', false],
      ['ceiling', false],
    ]);
  });
});
