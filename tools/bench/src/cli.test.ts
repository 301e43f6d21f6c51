import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import type { BenchReport } from './runner.js';

const run = promisify(execFile);
const cwd = fileURLToPath(new URL('..', import.meta.url));
const cli = ['--conditions=@roomcast/source', '--import', 'tsx', 'src/cli.ts'];

describe('pnpm bench, end to end at a tiny size', () => {
  it('measures all three targets, each as its own process, and writes the results section', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'bench-'));
    const out = join(dir, 'BENCHMARKS.md');
    const html = join(dir, 'bench.html');
    const tiny =
      '--clients 30 --rooms 3 --senders 3 --rate 20 --duration 1 --warmup 0 --idle 60 --rounds 1 --workers 1';
    const { stdout } = await run(
      process.execPath,
      [...cli, ...tiny.split(' '), '--json', '--quiet', '--write', out, '--html', html],
      {
        cwd,
        timeout: 35_000,
      },
    );
    const report = JSON.parse(stdout) as BenchReport;
    expect(report.summary.map((s) => s.target)).toEqual(['roomcast', 'ws', 'socket.io']);
    for (const s of report.summary) {
      expect(s.cpuMicrosPerDelivery, s.target).toBeGreaterThan(0);
      expect(s.deliveriesPerSecond, s.target).toBeGreaterThan(0);
      expect(s.p50Ms, s.target).toBeGreaterThan(0);
      expect(s.p99Ms, s.target).toBeGreaterThanOrEqual(s.p50Ms);
      expect(Number.isFinite(s.bytesPerIdleConnection), s.target).toBe(true);
      // Every message reached every member of its room: the peers and Roomcast lose nothing at this size.
      expect(s.completeness, s.target).toBe(1);
    }
    // One round of each target (--rounds 1).
    expect(report.rounds.map((r) => r.target).sort()).toEqual(['roomcast', 'socket.io', 'ws']);
    for (const r of report.rounds) {
      // Every send got exactly its ack: Roomcast by id, the ws peer by id, Socket.IO through its callback.
      expect(r.fanout.sentTotal, r.target).toBeGreaterThan(0);
      expect(r.fanout.acked, r.target).toBe(r.fanout.sentTotal);
      expect(r.fanout.rejected, r.target).toBe(0);
      expect(r.idle.connections, r.target).toBe(60);
    }
    const markdown = readFileSync(out, 'utf8');
    expect(markdown).toMatch(/\| Roomcast +\| +[\d.]+ \| +1\.00× \|/);
    expect(markdown).toMatch(/\| Socket\.IO 4 +\| +[\d.]+ \|/);
    expect(markdown).toContain(`Node ${process.version}`);
    const page = readFileSync(html, 'utf8');
    expect(page.match(/<svg /g)).toHaveLength(4);
    expect(page).toContain('Socket.IO 4');
  });

  it('refuses bad options with a clear message and exit code 2', async () => {
    const failure = await run(process.execPath, [...cli, '--senders', '50', '--clients', '10'], { cwd }).catch(
      (e) => e,
    );
    expect(failure.code).toBe(2);
    expect(failure.stderr).toContain('--senders cannot exceed --clients');
  });
});
