import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { createServer, type Server } from 'node:net';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { startServer, TestClient } from './testing/harness.js';

const main = fileURLToPath(new URL('./main.ts', import.meta.url));
const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));
const procs: ChildProcess[] = [];
const blockers: Server[] = [];
afterEach(() => {
  for (const p of procs.splice(0)) p.kill('SIGKILL');
  for (const b of blockers.splice(0)) b.close();
});

/** Runs the real entry point from source, as `pnpm start` runs the built one. */
function runMain(env: Record<string, string>) {
  return run(process.execPath, ['--conditions=@roomcast/source', '--import', 'tsx', main], env);
}

/** A port some other program holds. */
async function portInUse(): Promise<number> {
  const blocker = createServer();
  blockers.push(blocker);
  await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
  return (blocker.address() as { port: number }).port;
}

function run(
  command: string,
  args: string[],
  env: Record<string, string>,
  cwd = fileURLToPath(new URL('..', import.meta.url)),
) {
  const child = spawn(command, args, {
    cwd,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  procs.push(child);
  let out = '';
  child.stdout?.on('data', (d) => {
    out += d;
  });
  child.stderr?.on('data', (d) => {
    out += d;
  });
  const exited = once(child, 'exit') as Promise<[number | null, string | null]>;
  const ready = new Promise<string>((resolve, reject) => {
    const check = () => {
      const match = /WebSocket: (ws:\/\/[^\s"]+)/.exec(out);
      if (match?.[1]) resolve(match[1]);
    };
    child.stdout?.on('data', check);
    exited.then(() => reject(new Error(`exited before ready:\n${out}`)));
  });
  ready.catch(() => {}); // awaited only by tests that expect a start
  return { child, ready, exited, output: () => out };
}

describe('main', () => {
  it('starts from the environment, logs its URL, and on SIGTERM closes sockets with 1001 and exits 0', async () => {
    const { child, ready, exited } = runMain({ PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'info' });
    const url = await ready;
    const ann = await TestClient.join(url, 'ann');
    child.kill('SIGTERM');
    expect((await ann.waitClosed()).code).toBe(1001);
    expect((await exited)[0]).toBe(0);
  }, 20_000);

  it('says where to connect and what is in force, as one JSON line when stdout is not a terminal', async () => {
    const { child, ready, exited, output } = runMain({ PORT: '0', LOG_LEVEL: 'info', LOG_FORMAT: '' });
    const ws = await ready;
    const http = ws.replace(/^ws/, 'http').replace(/\/ws$/, '');
    const lines = output().trim().split('\n');
    const readyLine = lines
      .map((l) => JSON.parse(l) as { level: number; msg: string })
      .find((l) => l.msg.startsWith('Roomcast ready'));
    expect(readyLine?.level).toBe(30);
    expect(readyLine?.msg).toBe(
      `Roomcast ready. Chat page: ${http}/  WebSocket: ${ws}  HTTP API: ${http}  (adapter: memory; limits: ` +
        '10000 connections, 32 rooms per connection, 50 frames/s (burst 100), frames up to 65536 bytes, ' +
        '1048576 bytes queued per client, heartbeat 30000 ms)',
    );
    child.kill('SIGTERM');
    expect((await exited)[0]).toBe(0);
  }, 20_000);

  it('writes readable lines, not JSON, with LOG_FORMAT=pretty', async () => {
    const { child, ready, exited, output } = runMain({ PORT: '0', LOG_LEVEL: 'info', LOG_FORMAT: 'pretty' });
    await ready;
    expect(output()).toMatch(
      /^\[\d\d:\d\d:\d\d\.\d{3}\] INFO.*: Roomcast ready\. Chat page: http:\/\/127\.0\.0\.1:\d+\/ /m,
    );
    expect(output()).not.toContain('{"level"');
    child.kill('SIGTERM');
    expect((await exited)[0]).toBe(0);
  }, 20_000);

  it('exits 2 with a clear message on bad configuration', async () => {
    const { exited, output } = runMain({ PORT: 'abc', MAX_FRAME_BYTES: '1', LOG_FORMAT: 'yaml' });
    expect((await exited)[0]).toBe(2);
    expect(output()).toBe(
      'roomcast: Invalid configuration:\n' +
        '  PORT="abc": Expected integer\n' +
        '  LOG_FORMAT="yaml": expected one of auto, pretty, json\n' +
        '  MAX_FRAME_BYTES="1": Expected integer to be greater or equal to 256\n' +
        'See "Configuration" in README.md.\n',
    );
  }, 20_000);

  it('exits 2 with one plain sentence when the port is taken', async () => {
    const port = await portInUse();
    const { exited, output } = runMain({ PORT: String(port), HOST: '127.0.0.1' });
    expect((await exited)[0]).toBe(2);
    expect(output()).toBe(
      `roomcast: cannot listen on 127.0.0.1:${port}: port ${port} is already in use by another program. ` +
        `Stop it, or choose another port, e.g. PORT=${port + 1} pnpm start (PORT=0 picks a free one).\n`,
    );
  }, 20_000);

  // pnpm turns a failing `pnpm --filter … start` into exit 1; the root script runs node itself.
  it('keeps exit status 2 through `pnpm start` itself', async () => {
    const port = await portInUse();
    const { exited, output } = run('pnpm', ['start'], { PORT: String(port), TURBO_TELEMETRY_DISABLED: '1' }, repoRoot);
    expect((await exited)[0]).toBe(2);
    expect(output()).toContain(`roomcast: cannot listen on 127.0.0.1:${port}: port ${port} is already in use`);
  }, 180_000);
});

describe('app.close', () => {
  it('tells every client to come back later (1001)', async () => {
    const server = await startServer();
    const clients = await Promise.all(['a', 'b', 'c'].map((n) => TestClient.join(server.ws, n)));
    await server.app.close();
    for (const c of clients) expect((await c.waitClosed()).code).toBe(1001);
  });
});
