import { spawn, spawnSync } from 'node:child_process';
import { sleep } from '@roomcast/measure';
import { accepts, freePort } from './ports.js';

/** A private Redis for the scale-out targets: its CPU is counted with the servers'. */
export interface RedisProcess {
  pid: number;
  url: string;
  stop(): Promise<void>;
}

export const REDIS_MISSING =
  'the Redis targets need redis-server on PATH (Debian/Ubuntu: apt-get install redis-server)';

export function hasRedisServer(): boolean {
  return !spawnSync('redis-server', ['--version']).error;
}

/** Starts `redis-server` on a free loopback port, without persistence, and waits until it accepts connections. */
export async function startRedis(): Promise<RedisProcess> {
  if (!hasRedisServer()) throw new Error(REDIS_MISSING);
  const port = await freePort();
  const child = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--protected-mode', 'no'],
    { stdio: 'ignore' },
  );
  const exit = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const deadline = Date.now() + 10_000;
  while (!(await accepts(port))) {
    if (child.exitCode !== null || Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`redis-server did not start on port ${port}`);
    }
    await sleep(20);
  }
  return {
    pid: child.pid ?? -1,
    url: `redis://127.0.0.1:${port}`,
    async stop() {
      if (child.exitCode !== null) return;
      child.kill('SIGKILL');
      await exit;
    },
  };
}
