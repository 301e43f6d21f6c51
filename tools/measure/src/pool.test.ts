import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, describe, expect, it } from 'vitest';
import { combineLoads, judgeLoad, WorkerPool } from './pool.js';

type Cmd = { type: 'add'; n: number } | { type: 'burn'; ms: number } | { type: 'fail' };

describe('WorkerPool against real worker threads', () => {
  const pool = new WorkerPool<Cmd, { total: number }>(new URL('./fixtures/busy-worker.ts', import.meta.url), 2, () => ({
    total: 0,
  }));
  afterAll(() => pool.terminate());

  it('answers each command once per worker, in worker order, and carries failures back as errors', async () => {
    expect(pool.size).toBe(2);
    expect(await pool.all<number>((w) => ({ type: 'add', n: w + 1 }))).toEqual([1, 2]);
    expect(await pool.call<number>(1, { type: 'add', n: 10 })).toBe(12);
    await expect(pool.call(0, { type: 'fail' })).rejects.toThrow(/worker 0 failed: Error: asked to fail/);
    await expect(pool.call(5, { type: 'add', n: 1 })).rejects.toThrow(/no worker 5/);
  });

  it('reports live counters from every worker', async () => {
    for (
      let i = 0;
      i < 100 &&
      pool
        .counters()
        .map((c) => c.total)
        .join() !== '1,12';
      i++
    )
      await sleep(20);
    expect(pool.counters().map((c) => c.total)).toEqual([1, 12]);
  });

  it('measure() judges a window where the workers never rest as saturated, and an idle one as not', async () => {
    const busy = await pool.measure(() => pool.all({ type: 'burn', ms: 1200 }));
    expect(busy.value).toEqual(['done', 'done']);
    expect(busy.load.saturated).toBe(true);
    expect(busy.load.reason).toMatch(/driver workers were over 90% busy/);
    expect(busy.load.eluP90).toBeGreaterThan(0.9);
    const idle = await pool.measure(() => sleep(600));
    expect(idle.load.saturated).toBe(false);
    expect(idle.load.seconds).toBeGreaterThanOrEqual(0.59);
  });
});

describe('judgeLoad', () => {
  it('needs a tenth of the samples above 90% busy, not one', () => {
    const quiet = Array.from({ length: 19 }, () => ({ elu: 0.2, lagMs: 5 }));
    expect(judgeLoad([...quiet, { elu: 1, lagMs: 300 }], 5, 0.4)).toMatchObject({
      saturated: false,
      eluMax: 1,
      lagMaxMs: 300,
    });
    const busy = [...quiet.slice(0, 17), ...Array.from({ length: 3 }, () => ({ elu: 0.97, lagMs: 40 }))];
    expect(judgeLoad(busy, 5, 1.8).saturated).toBe(true);
    expect(judgeLoad([], 1, 0)).toMatchObject({ saturated: false, eluMean: 0, eluMax: 0, lagMaxMs: 0 });
  });
});

describe('combineLoads', () => {
  it('weights means by window length and keeps the worst peak and the first reason', () => {
    const a = { ...judgeLoad([{ elu: 0.2, lagMs: 3 }], 1, 0.5) };
    const b = { ...judgeLoad([{ elu: 1, lagMs: 90 }], 3, 1.5) };
    const both = combineLoads([a, b]);
    expect(both.seconds).toBe(4);
    expect(both.cpuCores).toBeCloseTo(1.25, 6);
    expect(both.eluMean).toBeCloseTo(0.8, 6);
    expect(both).toMatchObject({ eluMax: 1, lagMaxMs: 90, saturated: true, reason: b.reason });
    expect(combineLoads([])).toMatchObject({ seconds: 0, cpuCores: 0, saturated: false });
  });
});
