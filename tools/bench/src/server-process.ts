import { type ChildProcess, spawn } from 'node:child_process';
import { processTree, sleep } from '@roomcast/measure';
import { accepts, freePort } from './ports.js';
import { type RedisProcess, startRedis } from './redis-process.js';
import { nodeArgsFor } from './runtime.js';
import type { Target } from './targets.js';

/**
 * A target as it runs: one server process, or (scale-out targets) several nodes and their Redis.
 * Clients are spread over `urls`; CPU and memory are summed over `pids()`.
 */
export interface ServerProcess {
  /** The first node's process. */
  pid: number;
  /** The first node's URL. */
  url: string;
  /** Every node's URL; client i connects to urls[i % urls.length]. */
  urls: string[];
  /** Every process whose CPU and memory count: each node with its workers, and Redis. */
  pids(): number[];
  /** Whether a node died on its own (a crash during a run is reported, never hidden). */
  exited(): boolean;
  /** The last lines the nodes wrote, for error messages. */
  output(): string;
  stop(): Promise<void>;
}

interface NodeProcess {
  pid: number;
  url: string;
  exited(): boolean;
  output(): string;
  stop(): Promise<void>;
}

const live = new Set<ChildProcess>();

/** Kills every server still running: for exits on error or signal, so no process outlives the run. */
export function killAllServers(): void {
  for (const child of live) child.kill('SIGKILL');
  live.clear();
}

/** Starts one node on a free loopback port and waits until it accepts connections. */
async function startNode(target: Target, env: Record<string, string>, readyTimeoutMs: number): Promise<NodeProcess> {
  const port = await freePort();
  const child = spawn(process.execPath, nodeArgsFor(target.entry()), {
    env: { ...process.env, ...target.env, ...env, PORT: String(port), HOST: '127.0.0.1' },
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
  const node: NodeProcess = {
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
      await node.stop();
      throw new Error(`${target.label} did not start on port ${port} (${why}):\n${node.output()}`);
    }
    await sleep(50);
  }
  return node;
}

/** Starts a target: its Redis first when it has one, then its nodes side by side. */
export async function startServer(target: Target, readyTimeoutMs = 60_000): Promise<ServerProcess> {
  const redis: RedisProcess | undefined = target.redis ? await startRedis() : undefined;
  const env: Record<string, string> = redis ? { REDIS_URL: redis.url, REDIS_PREFIX: 'bench:' } : {};
  const started = await Promise.allSettled(
    Array.from({ length: target.nodes ?? 1 }, () => startNode(target, env, readyTimeoutMs)),
  );
  const nodes = started.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
  const stop = async () => {
    await Promise.all(nodes.map((n) => n.stop()));
    await redis?.stop();
  };
  const failed = started.find((s): s is PromiseRejectedResult => s.status === 'rejected');
  if (failed) {
    await stop();
    throw failed.reason;
  }
  const first = nodes[0] as NodeProcess;
  return {
    pid: first.pid,
    url: first.url,
    urls: nodes.map((n) => n.url),
    pids: () => [...nodes.flatMap((n) => processTree(n.pid)), ...(redis ? [redis.pid] : [])],
    exited: () => nodes.some((n) => n.exited()),
    output: () => nodes.map((n) => n.output()).join('\n'),
    stop,
  };
}
