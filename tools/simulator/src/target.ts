import { type ChildProcess, fork } from 'node:child_process';
import { execArgvFor } from '@roomcast/measure';
import { siblingUrl } from './module-url.js';

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
export function startServer(env: Record<string, string>, timeoutMs = 60_000): Promise<Target> {
  const entry = siblingUrl('server-host');
  const child: ChildProcess = fork(entry, [JSON.stringify(env)], {
    execArgv: execArgvFor(entry),
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
