import { execFileSync, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  machineMicros,
  parseMachineStat,
  parseStat,
  parseStatmResident,
  parseStatusKb,
  processCpuMicros,
  processPeakRssBytes,
  processRssBytes,
  processTree,
  systemConstants,
} from './proc.js';

describe('/proc parsing', () => {
  it('reads utime and stime from this process, and counts fields after a command name with spaces and parens', () => {
    const real = parseStat(readFileSync('/proc/self/stat', 'utf8'));
    expect(Number.isInteger(real.utime) && Number.isInteger(real.stime)).toBe(true);
    // Fields 14 and 15 of a line whose command name would shift a naive split.
    const line = '4242 (node (my) worker) S 1 2 3 4 5 6 7 8 9 10 123 45 0 0 20 0 11 0 99 0 0';
    expect(parseStat(line)).toEqual({ utime: 123, stime: 45 });
    expect(() => parseStat('garbage')).toThrow(/stat/);
  });

  it('reads VmRSS and VmHWM in bytes, and resident pages from statm', () => {
    const status = readFileSync('/proc/self/status', 'utf8');
    const kb = Number(/^VmHWM:\s+(\d+)/m.exec(status)?.[1]);
    expect(parseStatusKb(status, 'VmHWM')).toBe(kb * 1024);
    expect(() => parseStatusKb('Name: x\n', 'VmRSS')).toThrow(/VmRSS/);
    expect(parseStatmResident('1000 250 30 1 0 400 0\n')).toBe(250);
    expect(() => parseStatmResident('x')).toThrow(/statm/);
  });

  it('takes clock ticks and page size from getconf, not from an assumption', () => {
    const { clockTicks, pageSize } = systemConstants();
    expect(clockTicks).toBe(Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' })));
    expect(pageSize).toBe(Number(execFileSync('getconf', ['PAGESIZE'], { encoding: 'utf8' })));
  });

  it('agrees with the kernel: statm pages x page size is VmRSS, within what changed between two reads', () => {
    const rss = processRssBytes(process.pid);
    const vmRss = parseStatusKb(readFileSync(`/proc/${process.pid}/status`, 'utf8'), 'VmRSS');
    expect(Math.abs(rss - vmRss)).toBeLessThan(2 * 2 ** 20);
    expect(processPeakRssBytes(process.pid)).toBeGreaterThanOrEqual(Math.min(rss, vmRss));
  });

  it('sees a live process use CPU and grow its RSS and peak', () => {
    const cpu0 = processCpuMicros(process.pid);
    const rss0 = processRssBytes(process.pid);
    // Burn CPU until the kernel's tick counter moves, and touch 64 MiB so it becomes resident.
    const until = Date.now() + 2000;
    while (processCpuMicros(process.pid) === cpu0 && Date.now() < until) Math.sqrt(Math.random());
    const block = Buffer.alloc(64 * 2 ** 20, 1);
    expect(processCpuMicros(process.pid)).toBeGreaterThan(cpu0);
    expect(processRssBytes(process.pid) - rss0).toBeGreaterThan(32 * 2 ** 20);
    expect(processPeakRssBytes(process.pid)).toBeGreaterThanOrEqual(processRssBytes(process.pid) - 2 ** 20);
    expect(block[block.length - 1]).toBe(1);
  });
});

describe('/proc/stat machine totals', () => {
  it('sums busy ticks without idle and iowait, and reads the live machine', () => {
    const text = 'cpu  100 5 20 1000 7 1 2 3 50 0\ncpu0 50 2 10 500 3 0 1 1 25 0\n';
    expect(parseMachineStat(text)).toEqual({ busy: 131, total: 1138 });
    const live = machineMicros();
    expect(live.busy).toBeGreaterThan(0);
    expect(live.total).toBeGreaterThan(live.busy);
  });
});

describe('processTree', () => {
  it('finds a child and its grandchild, and only the process itself once they are gone', async () => {
    // sh starts sleep and waits on it: a tree of three (this process, sh, sleep).
    const child = spawn('sh', ['-c', 'sleep 30 & wait'], { stdio: 'ignore' });
    const pid = child.pid as number;
    let tree: number[] = [];
    for (let i = 0; i < 100 && tree.length < 3; i++) {
      tree = processTree(process.pid);
      if (tree.length < 3) await new Promise((r) => setTimeout(r, 20));
    }
    expect(tree[0]).toBe(process.pid);
    expect(tree).toContain(pid);
    const grandchild = processTree(pid);
    expect(grandchild).toHaveLength(2);
    expect(readFileSync(`/proc/${grandchild[1]}/comm`, 'utf8').trim()).toBe('sleep');
    const exited = new Promise((r) => child.once('exit', r));
    process.kill(grandchild[1] as number, 'SIGKILL');
    await exited;
    expect(processTree(pid)).toEqual([pid]);
  });
});
