import { type ChildProcess, fork } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { childExecArgv, siblingUrl } from './module-url.js';

export interface Target {
  /** The WebSocket endpoint, e.g. ws://127.0.0.1:3000/ws */
  wsUrl: string;
  /** The HTTP origin of the same server, for the publish API. */
  httpUrl: string;
  selfStarted: boolean;
  /** Settings the simulator chose for the server it started itself. */
  serverEnv?: Record<string, string>;
  pid?: number;
  stop(): Promise<void>;
}

export class TargetError extends Error {
  override name = 'TargetError';
}

/** Checks a user-given URL: a ws:// or wss:// address; it is the only remote address ever contacted. */
export function parseTargetUrl(raw: string): { wsUrl: string; httpUrl: string } {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new TargetError(`--url must be a WebSocket URL like ws://127.0.0.1:3000/ws, got "${raw}"`);
  }
  if (url.protocol !== 'ws:' && url.protocol !== 'wss:') {
    throw new TargetError(`--url must start with ws:// or wss://, got "${raw}"`);
  }
  if (url.pathname === '/' || url.pathname === '') url.pathname = '/ws';
  url.search = '';
  const http = new URL(url.href);
  http.protocol = url.protocol === 'wss:' ? 'https:' : 'http:';
  return { wsUrl: url.href, httpUrl: http.origin };
}

export function useUrl(raw: string): Target {
  return { ...parseTargetUrl(raw), selfStarted: false, stop: async () => {} };
}

/** Starts the Roomcast server in a child process on a free loopback port. */
export function startServer(env: Record<string, string>, timeoutMs = 20_000): Promise<Target> {
  const child: ChildProcess = fork(siblingUrl('server-host'), [JSON.stringify(env)], {
    execArgv: childExecArgv(),
    stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
  });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-4000);
  });
  const stop = () =>
    new Promise<void>((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) return resolve();
      const kill = setTimeout(() => child.kill('SIGKILL'), 5000);
      child.once('exit', () => {
        clearTimeout(kill);
        resolve();
      });
      child.kill('SIGTERM');
    });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      void stop();
      reject(new TargetError(`the server did not start within ${timeoutMs} ms\n${stderr}`));
    }, timeoutMs);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new TargetError(`the server exited with code ${code} before listening\n${stderr}`));
    });
    child.on('message', (msg: { type?: string; port?: number }) => {
      if (msg.type !== 'listening' || !msg.port) return;
      clearTimeout(timer);
      child.removeAllListeners('exit');
      resolve({
        wsUrl: `ws://127.0.0.1:${msg.port}/ws`,
        httpUrl: `http://127.0.0.1:${msg.port}`,
        selfStarted: true,
        serverEnv: env,
        ...(child.pid ? { pid: child.pid } : {}),
        stop,
      });
    });
  });
}

/** CPU time (ms) and resident memory (MiB) of a process, from /proc; null where /proc is missing. */
export function processUsage(pid: number): { cpuMs: number; rssMb: number } | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the parenthesised command name; utime and stime are 14th and 15th overall.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(fields[11]) + Number(fields[12]);
    const rssPages = Number(fields[21]);
    // Linux reports in USER_HZ (100 on every mainstream build) and 4 KiB pages.
    return { cpuMs: ticks * 10, rssMb: Math.round((rssPages * 4096) / 1048576) };
  } catch {
    return null;
  }
}

/** Busy and total CPU time of the whole machine so far (ms), from /proc/stat; null where it is missing. */
export function machineUsage(): { busyMs: number; totalMs: number } | null {
  try {
    const line = readFileSync('/proc/stat', 'utf8').split('\n')[0] ?? '';
    const [, ...fields] = line.trim().split(/\s+/);
    const ticks = fields.map(Number);
    const idle = (ticks[3] ?? 0) + (ticks[4] ?? 0);
    const total = ticks.slice(0, 8).reduce((a, b) => a + b, 0);
    return { busyMs: (total - idle) * 10, totalMs: total * 10 };
  } catch {
    return null;
  }
}
