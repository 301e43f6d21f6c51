import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import type { BenchReport } from './runner.js';
import { TARGETS } from './targets.js';

const run = promisify(execFile);
const cwd = fileURLToPath(new URL('..', import.meta.url));
const root = fileURLToPath(new URL('../../..', import.meta.url));
const cli = ['--conditions=@roomcast/source', '--import', 'tsx', 'src/cli.ts'];

// Each test runs whole bench processes (servers, driver workers): bounds for a loaded 2-core machine.
describe('pnpm bench, end to end at a tiny size', { timeout: 300_000 }, () => {
  it('measures every target (the scale-out ones on their own Redis), each in its own processes, and writes the results section and the HTML page', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'bench-'));
    const out = join(dir, 'BENCHMARKS.md');
    const tiny = [
      '--clients 30 --rooms 3 --senders 3 --rate 20 --duration 1 --warmup 0 --idle 60 --rounds 1 --workers 1',
      '--room-clients 20 --room-senders 2 --room-rate 20',
      '--ceiling-clients 20 --ceiling-senders 2 --ceiling-start 400 --ceiling-steps 2 --ceiling-step-seconds 1',
      '--storm-clients 40 --storm-room-size 10',
    ].join(' ');
    const { stdout } = await run(
      process.execPath,
      [...cli, ...tiny.split(' '), '--json', '--quiet', '--write', out, '--html'],
      // A bare --html writes under artifacts/ where the user ran the command (INIT_CWD under pnpm).
      { cwd, timeout: 280_000, env: { ...process.env, INIT_CWD: dir } },
    );
    const report = JSON.parse(stdout) as BenchReport;
    expect(report.summary.map((s) => s.target)).toEqual([
      'roomcast',
      'roomcast-workers-2',
      'roomcast-redis',
      'roomcast-redis-2',
      'ws',
      'uws',
      'socket.io',
    ]);
    // redis-server is installed here (.ci/run): no target may be left out.
    expect(report.warnings.filter((w) => w.includes('skipped'))).toEqual([]);
    for (const s of report.summary) {
      expect(s.cpuMicrosPerDelivery, s.target).toBeGreaterThan(0);
      expect(s.deliveriesPerSecond, s.target).toBeGreaterThan(0);
      expect(s.p50Ms, s.target).toBeGreaterThan(0);
      expect(s.p99Ms, s.target).toBeGreaterThanOrEqual(s.p50Ms);
      expect(Number.isFinite(s.bytesPerIdleConnection), s.target).toBe(true);
      // Every message reached every member of its room: no server loses anything at this size.
      expect(s.completeness, s.target).toBe(1);
      // The one-big-room fan-out too, counted on the light receive path.
      expect(s.room?.completeness, s.target).toBe(1);
      expect(s.room?.cpuMicrosPerDelivery, s.target).toBeGreaterThan(0);

      // The ceiling search and the storm compare single servers; the scale-out targets skip them.
      if (!TARGETS[s.target].once) {
        expect([s.ceiling, s.storm], s.target).toEqual([undefined, undefined]);
        continue;
      }
      const ceiling = s.ceiling;
      if (!ceiling) throw new Error(`${s.target}: no ceiling result`);
      expect(ceiling.steps.length, s.target).toBeGreaterThanOrEqual(1);
      expect(ceiling.steps.length, s.target).toBeLessThanOrEqual(2);
      expect(ceiling.steps[0]?.offeredPerSecond, s.target).toBeGreaterThan(0);
      expect(['server', 'driver', 'machine', 'not reached'], s.target).toContain(ceiling.limitedBy);
      expect(ceiling.verdict, s.target).toContain(s.label);
      // The light receive path applies to protocol v1 clients; Socket.IO's client parses every packet.
      expect(ceiling.sampleEvery, s.target).toBe(s.target === 'socket.io' ? 1 : 16);

      const storm = s.storm;
      if (!storm) throw new Error(`${s.target}: no storm result`);
      expect({ connected: storm.connected, failed: storm.failed }, s.target).toEqual({ connected: 40, failed: 0 });
      expect(storm.secondsToAllWelcomed, s.target).toBeGreaterThan(0);
      expect(storm.welcomeMs.count, s.target).toBe(40);
      expect(storm.peakRssBytes, s.target).toBeGreaterThanOrEqual(storm.rssBeforeBytes);
    }
    // One round of each target (--rounds 1).
    expect(report.rounds.map((r) => r.target).sort()).toEqual([
      'roomcast',
      'roomcast-workers-2',
      'roomcast-redis',
      'roomcast-redis-2',
      'socket.io',
      'uws',
      'ws',
    ]);
    for (const r of report.rounds) {
      const { fanout, idle } = r;
      if (!fanout || !idle) throw new Error(`${r.target}: round without fanout or idle`);
      // Every send got exactly its ack: Roomcast and the v1 peers by id, Socket.IO through its callback.
      expect(fanout.sentTotal, r.target).toBeGreaterThan(0);
      expect(fanout.acked, r.target).toBe(fanout.sentTotal);
      expect(fanout.rejected, r.target).toBe(0);
      expect(idle.connections, r.target).toBe(60);
    }
    const markdown = readFileSync(out, 'utf8');
    expect(markdown).toMatch(/\| Roomcast +\| +[\d.]+ \| +1\.00× \|/);
    expect(markdown).toMatch(/\| uWS peer +\| +[\d.]+ \|/);
    expect(markdown).toMatch(/\| Roomcast, 2 nodes \+ Redis +\| +[\d.]+ \|/);
    expect(markdown).toMatch(/\| Socket\.IO 4 +\| +[\d.]+ \|/);
    expect(markdown).toContain('Ceiling (once per target, fresh server)');
    expect(markdown).toContain('One big room (medians over 1 round(s)): 20 clients in one room');
    expect(markdown).toMatch(/\| fanout CPU\/delivery ≤ 0\.8× ws +\| +[\d.]+× \| +(yes|no) \|/);
    expect(markdown).toMatch(/\| ws peer +\| +40 \| +40 \| +[\d.]+ \|/);
    expect(markdown).toContain(`Node ${process.version}`);
    const pages = readdirSync(join(dir, 'artifacts'));
    expect(pages).toHaveLength(1);
    expect(pages[0]).toMatch(/^bench-[\dT-]+\.html$/);
    const page = readFileSync(join(dir, 'artifacts', pages[0] as string), 'utf8');
    expect(page.match(/<svg /g)).toHaveLength(4);
    expect(page).toContain('uWS peer');
    expect(page).toContain('<meta name="viewport"');
    expect(page).not.toMatch(/<svg [^>]* width="/);
  });

  it('`pnpm bench --json` from the repository root prints only JSON on stdout (the build goes to stderr)', async () => {
    const args = '--scenarios storm --targets ws --storm-clients 10 --workers 1 --json'.split(' ');
    const { stdout, stderr } = await run('pnpm', ['bench', ...args], { cwd: root, timeout: 280_000 });
    const report = JSON.parse(stdout) as BenchReport;
    expect(report.summary.map((s) => [s.target, s.storm?.connected])).toEqual([['ws', 10]]);
    expect(stderr).toContain('turbo run build');
  });

  it('refuses bad options with a clear message and exit code 2', async () => {
    const failure = await run(process.execPath, [...cli, '--senders', '50', '--clients', '10'], { cwd }).catch(
      (e) => e,
    );
    expect(failure.code).toBe(2);
    expect(failure.stderr).toContain('--senders cannot exceed --clients');
    const scenario = await run(process.execPath, [...cli, '--scenarios', 'idle,nope'], { cwd }).catch((e) => e);
    expect(scenario.code).toBe(2);
    expect(scenario.stderr).toContain('Unknown scenario(s) nope');
  });
});
