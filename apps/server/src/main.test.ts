import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { startServer, TestClient } from './testing/harness.js';

const main = fileURLToPath(new URL('./main.ts', import.meta.url));
const procs: ChildProcess[] = [];
afterEach(() => {
  for (const p of procs.splice(0)) p.kill('SIGKILL');
});

/** Runs the real entry point the way `pnpm start` does, from source. */
function runMain(env: Record<string, string>) {
  const child = spawn(process.execPath, ['--conditions=@roomcast/source', '--import', 'tsx', main], {
    cwd: fileURLToPath(new URL('..', import.meta.url)),
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
      const match = /WebSocket at (ws:\/\/[^\s"]+)/.exec(out);
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

  it('exits 2 with a clear message on bad configuration', async () => {
    const { exited, output } = runMain({ PORT: 'abc', MAX_FRAME_BYTES: '1' });
    expect((await exited)[0]).toBe(2);
    expect(output()).toContain('Invalid configuration');
    expect(output()).toContain('PORT="abc"');
  }, 20_000);
});

describe('app.close', () => {
  it('tells every client to come back later (1001)', async () => {
    const server = await startServer();
    const clients = await Promise.all(['a', 'b', 'c'].map((n) => TestClient.join(server.ws, n)));
    await server.app.close();
    for (const c of clients) expect((await c.waitClosed()).code).toBe(1001);
  });
});
