import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer } from '../src/target.js';
import { startFaultProxy } from '../src/testing/index.js';
import { startRealServer } from './real-server.js';

const pkg = fileURLToPath(new URL('..', import.meta.url));

/** Runs the CLI from source the way `pnpm sim` does. */
function cli(
  args: string[],
  env: Record<string, string> = {},
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return run(process.execPath, ['--import', 'tsx', '--conditions=@roomcast/source', join(pkg, 'src/cli.ts'), ...args], {
    cwd: pkg,
    env,
  });
}

function run(
  command: string,
  args: string[],
  options: { cwd: string; env?: Record<string, string> },
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(command, args, {
      cwd: options.cwd,
      env: { ...process.env, ...options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => {
      stdout += d;
    });
    child.stderr.on('data', (d: Buffer) => {
      stderr += d;
    });
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

// Each test spawns Node processes: on a loaded 2-core machine, give them a generous bound.
describe.concurrent('the CLI', { timeout: 120_000 }, () => {
  let server: Awaited<ReturnType<typeof startRealServer>>;
  beforeAll(async () => {
    server = await startRealServer();
  });
  afterAll(() => server.close());

  it('--help documents every option with its default', async () => {
    const { code, stdout } = await cli(['--help']);
    expect(code).toBe(0);
    for (const flag of [
      '--url',
      '--clients',
      '--rooms',
      '--senders',
      '--rate',
      '--duration',
      '--seed',
      '--json',
      '--report',
      '--presence-grace-ms',
      '--drops',
      '--kill-node',
    ]) {
      expect(stdout).toContain(flag);
    }
    for (const scenario of ['semantics', 'fanout', 'capacity', 'churn', 'publish', 'drops']) {
      expect(stdout).toContain(scenario);
    }
    expect(stdout).toMatch(/--clients <n>[\s\S]*default: 40\s+\(semantics\),\s+200\s+\(fanout\)/);
  });

  it('refuses bad input with a clear message and exit code 2', async () => {
    const bad = await cli(['fanout', '--clients', 'many']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--clients must be a number/);
    const unknown = await cli(['nonsense']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/unknown scenario "nonsense"/);
    const url = await cli(['--url', 'http://127.0.0.1:1/ws', '--duration', '1']);
    expect(url.code).toBe(2);
    expect(url.stderr).toMatch(/ws:\/\/ or wss:\/\//);
    const lone = await cli(['drops', '--url', 'ws://127.0.0.1:1/ws', '--kill-node', '4242']);
    expect(lone.code).toBe(2);
    expect(lone.stderr).toMatch(/--kill-node needs two or more --url/);
    const misplaced = await cli(['semantics', '--drops', '3']);
    expect(misplaced.code).toBe(2);
    expect(misplaced.stderr).toMatch(/--drops applies to the drops scenario/);
    const nobody = await cli(['--url', 'ws://127.0.0.1:1/ws', '--clients', '2', '--duration', '1']);
    expect(nobody.code).toBe(2);
    expect(nobody.stderr).toMatch(/none of 2 clients could connect/);
  });

  it('starts its own server, prints JSON and writes a self-contained HTML report into artifacts/', async () => {
    // Where the user ran `pnpm sim` is INIT_CWD; a bare --report writes under its artifacts/.
    const dir = mkdtempSync(join(tmpdir(), 'roomcast-sim-'));
    const { code, stdout, stderr } = await cli(
      ['semantics', '--clients', '8', '--rooms', '2', '--duration', '1', '--json', '--report'],
      { INIT_CWD: dir },
    );
    expect(code, stderr).toBe(0);
    const written = readdirSync(join(dir, 'artifacts'));
    expect(written).toHaveLength(1);
    expect(written[0]).toMatch(/^sim-semantics-[\dT-]+\.html$/);
    expect(stderr).toContain(join(dir, 'artifacts', written[0] as string));
    const report = join(dir, 'artifacts', written[0] as string);
    const result = JSON.parse(stdout);
    expect(result.ok).toBe(true);
    expect(result.target.selfStarted).toBe(true);
    // Limits raised for 8 clients at the semantics scenario's default rate (4/s).
    expect(result.target.serverEnv).toEqual({
      RATE_LIMIT_PER_SEC: '50',
      RATE_LIMIT_BURST: '100',
      MAX_CONNECTIONS: '10000',
      // Every simulated client comes from loopback, one address.
      MAX_CONNECTIONS_PER_IP: '10000',
      MAX_ROOMS_PER_CONNECTION: '32',
      LOG_LEVEL: 'warn',
      // Departures are judged as they happen (drops gets 5000: it checks that resumes are not announced).
      PRESENCE_GRACE_MS: '0',
    });
    expect(result.server.cpuMs).toBeGreaterThanOrEqual(0);
    const html = readFileSync(report, 'utf8');
    expect(html).toContain('<svg');
    expect(html).toContain('PASS');
    // Self-contained: no script, stylesheet or image fetched from anywhere.
    expect(html).not.toMatch(/<script|<link|src=|https?:\/\/(?!www\.w3\.org\/2000\/svg)/);
  });

  it('`pnpm sim --json` from the repository root prints only JSON on stdout', async () => {
    const root = join(pkg, '../..');
    const { code, stdout, stderr } = await run(
      'pnpm',
      ['sim', 'semantics', '--clients', '6', '--duration', '1', '--json'],
      {
        cwd: root,
      },
    );
    expect(code, stderr).toBe(0);
    const result = JSON.parse(stdout);
    expect(result).toMatchObject({ scenario: 'semantics', ok: true, fullyVerified: true });
  });

  it('exits 1 and names the violation when the server is broken', async () => {
    const proxy = await startFaultProxy(server.url, 'duplicate');
    try {
      const { code, stdout } = await cli([
        'fanout',
        '--url',
        proxy.url,
        '--clients',
        '6',
        '--senders',
        '2',
        '--duration',
        '0.6',
      ]);
      expect(code).toBe(1);
      expect(stdout).toMatch(/FAIL/);
      expect(stdout).toMatch(/FAIL delivery-once: .*twice/s);
    } finally {
      await proxy.close();
    }
  });
});

describe('drops --kill-node <pid>', { timeout: 120_000 }, () => {
  it('SIGKILLs the first node mid-run and sends its clients to the second, which must take their resumes', async () => {
    // Two separate in-memory nodes share nothing, so the second cannot know the first's tokens:
    // the run must say so. Nodes on one Redis (REDIS_URL) share them, and the same run passes.
    const env = { PRESENCE_GRACE_MS: '0', LOG_LEVEL: 'silent' };
    const [a, b] = await Promise.all([startServer(env), startServer(env)]);
    try {
      const { code, stdout, stderr } = await cli([
        'drops',
        '--url',
        a.wsUrl,
        '--url',
        b.wsUrl,
        '--kill-node',
        String(a.pid),
        '--clients',
        '6',
        '--rooms',
        '2',
        '--senders',
        '2',
        '--duration',
        '2',
        '--drops',
        '2',
        '--json',
      ]);
      expect(code, stderr).toBe(1);
      const result = JSON.parse(stdout);
      expect(result.drops.nodeKilled).toBe(true);
      expect(result.drops.drops).toBeGreaterThanOrEqual(3);
      const failed = result.checks.filter((c: { ok: boolean }) => !c.ok).map((c: { rule: string }) => c.rule);
      expect(failed).toContain('resume-recovered');
      expect(() => process.kill(a.pid as number, 0)).toThrow();
    } finally {
      await Promise.all([a.stop(), b.stop()]);
    }
  });
});
