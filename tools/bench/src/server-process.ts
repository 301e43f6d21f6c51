import { type ChildProcess, spawn } from 'node:child_process';
import { createConnection, createServer } from 'node:net';
import { sleep } from '@roomcast/measure';
import { nodeArgsFor } from './runtime.js';
import type { Target } from './targets.js';

/** A target server running as its own process, so its CPU and memory can be read from /proc. */
export interface ServerProcess {
  pid: number;
  url: string;
  /** Whether it died on its own (a crash during a run is reported, never hidden). */
  exited(): boolean;
  /** The last lines it wrote, for error messages. */
  output(): string;
  stop(): Promise<void>;
}

const live = new Set<ChildProcess>();

/** Kills every server still running: for exits on error or signal, so no process outlives the run. */
export function killAllServers(): void {
  for (const child of live) child.kill('SIGKILL');
  live.clear();
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      probe.close(() =>
        typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port')),
      );
    });
  });
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ port, host: '127.0.0.1' });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/** Starts a target on a free loopback port and waits until it accepts connections. */
export async function startServer(target: Target, readyTimeoutMs = 60_000): Promise<ServerProcess> {
  const port = await freePort();
  const child = spawn(process.execPath, nodeArgsFor(target.entry()), {
    env: { ...process.env, ...target.env, PORT: String(port), HOST: '127.0.0.1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  live.add(child);
  let tail = '';
  const keep = (chunk: Buffer) => {
    tail = (tail + chunk.toString()).slice(-4000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  let exited = false;
  const exit = new Promise<void>((resolve) =>
    child.once('exit', () => {
      exited = true;
      live.delete(child);
      resolve();
    }),
  );
  const server: ServerProcess = {
    pid: child.pid ?? -1,
    url: `ws://127.0.0.1:${port}`,
    exited: () => exited,
    output: () => tail.trim(),
    async stop() {
      if (exited) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exit;
      clearTimeout(timer);
    },
  };
  const deadline = Date.now() + readyTimeoutMs;
  while (!(await accepts(port))) {
    if (exited || Date.now() > deadline) {
      const why = exited ? `it exited with code ${child.exitCode}` : `nothing listened within ${readyTimeoutMs} ms`;
      await server.stop();
      throw new Error(`${target.label} did not start on port ${port} (${why}):\n${server.output()}`);
    }
    await sleep(50);
  }
  return server;
}
