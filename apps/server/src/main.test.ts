import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { startServer, TestClient } from './testing/harness.js';
import { rawSocket } from './testing/raw-http.js';

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

  it('on SIGTERM exits 0 within the grace even with an unfinished request, and a late upgrade gets 503 and is closed', async () => {
    const { child, ready, exited } = runMain({ PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'info' });
    const url = await ready;
    const http = url.replace(/^ws/, 'http').replace(/\/ws$/, '');
    const bob = await TestClient.join(url, 'bob');
    // Ann never reads again, so shutdown waits out its grace for her close: the window for latecomers.
    const ann = await TestClient.join(url, 'ann');
    (ann.socket as unknown as { _socket: { pause(): void } })._socket.pause();
    // A client that never finishes its request.
    const slow = rawSocket(http);
    await slow.opened;
    slow.socket.write('GET /ws HTTP/1.1\r\nHost: x\r\n');
    // A kept-alive connection, finished with its first request, that asks for an upgrade once shutdown has begun.
    const late = rawSocket(http);
    await late.opened;
    let answer = '';
    late.socket.on('data', (d) => {
      answer += d;
    });
    late.socket.write('GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n');
    await bob.until(() => answer.includes('"status":"ok"'), 'the health answer');
    answer = '';
    const started = Date.now();
    child.kill('SIGTERM');
    expect((await bob.waitClosed()).code).toBe(1001);
    late.socket.write(
      'GET /ws HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n',
    );
    await late.closed;
    await slow.closed;
    expect(answer).toMatch(/^HTTP\/1\.1 503/);
    expect((await exited)[0]).toBe(0);
    // closeWithGrace's own deadline is 10 s; the server must not need it.
    expect(Date.now() - started).toBeLessThan(8000);
  }, 40_000);

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
