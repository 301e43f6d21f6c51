import { type ExecFileOptions, execFile } from 'node:child_process';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { buildApp } from '@roomcast/server';

export const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
export const FIXTURES = fileURLToPath(new URL('../fixtures/', import.meta.url));

// The npm_* variables of the `pnpm test` that started us would reconfigure the npm and pnpm we run.
const cleanEnv = Object.fromEntries(Object.entries(process.env).filter(([key]) => !/^npm_/i.test(key)));

export interface RunResult {
  stdout: string;
  stderr: string;
}

/** Runs a command to completion; a non-zero exit or a time-out fails with its whole output. */
export function run(
  command: string,
  args: string[],
  options: { cwd: string; env?: Record<string, string>; timeoutMs?: number },
): Promise<RunResult> {
  const opts: ExecFileOptions = {
    cwd: options.cwd,
    env: { ...cleanEnv, ...options.env },
    timeout: options.timeoutMs ?? 120_000,
    maxBuffer: 16 * 1024 * 1024,
    encoding: 'utf8',
  };
  return new Promise((resolve, reject) => {
    execFile(command, args, opts, (error, stdout, stderr) => {
      const out = { stdout: String(stdout), stderr: String(stderr) };
      if (!error) return resolve(out);
      reject(
        new Error(
          `${command} ${args.join(' ')} (in ${options.cwd}) failed: ${error.message}\n${out.stdout}\n${out.stderr}`,
        ),
      );
    });
  });
}

export interface Server {
  ws: string;
  close: () => Promise<void>;
}

/** A real Roomcast server on a free loopback port; a closed connection is announced gone at once. */
export async function startServer(): Promise<Server> {
  const app = await buildApp({
    logger: false,
    closeGraceMs: 200,
    // The browser check runs from an about:blank page, whose Origin is "null": allow any origin.
    config: { HEARTBEAT_MS: 0, PRESENCE_GRACE_MS: 0, ALLOWED_ORIGINS: '*' },
  });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const { port } = app.server.address() as AddressInfo;
  return { ws: `ws://127.0.0.1:${port}/ws`, close: () => app.close() };
}
