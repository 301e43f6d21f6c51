import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import net from 'node:net';

/** A Redis for tests: a private `redis-server` child, or the one `REDIS_URL` names. */
export interface TestRedis {
  url: string;
  /** Whether this test owns the server (and so may stop and restart it). */
  owned: boolean;
  /** Stops the server (SIGKILL: no goodbye to clients); owned servers only. */
  stop(): Promise<void>;
  /** Starts it again on the same port, empty. */
  restart(): Promise<void>;
  /** Freezes it (SIGSTOP): connections stay open but nothing answers, as in a stalled server. */
  pause(): void;
  resume(): void;
  close(): Promise<void>;
}

const MISSING =
  'These tests need a Redis: install redis-server (Debian/Ubuntu: apt-get install redis-server; ' +
  'macOS: brew install redis) so it is on PATH, or set REDIS_URL=redis://host:port to use a running one.';

/** A key prefix no other test shares. */
export const testPrefix = (name = 't') => `test:${name}:${randomBytes(4).toString('hex')}:`;

/**
 * Starts a private `redis-server` on a free loopback port (no persistence, so a restart comes back
 * empty). With `REDIS_URL` set and `own` false, uses that one instead; tests that stop Redis pass
 * `own: true` so they never stop a shared server.
 */
export async function startRedis(options: { own?: boolean } = {}): Promise<TestRedis> {
  const shared = process.env.REDIS_URL;
  if (shared && !options.own) {
    const unsupported = async () => {
      throw new Error('cannot stop a shared REDIS_URL server');
    };
    const refuse = () => {
      throw new Error('cannot pause a shared REDIS_URL server');
    };
    return {
      url: shared,
      owned: false,
      stop: unsupported,
      restart: unsupported,
      pause: refuse,
      resume: refuse,
      close: async () => {},
    };
  }
  if (spawnSync('redis-server', ['--version']).error) throw new Error(MISSING);
  const port = await freePort();
  let child: ChildProcess | undefined;
  const launch = async () => {
    child = spawn(
      'redis-server',
      ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--protected-mode', 'no'],
      { stdio: 'ignore' },
    );
    await waitForPong(port, child);
  };
  const stop = async () => {
    const c = child;
    child = undefined;
    if (!c || c.exitCode !== null) return;
    const exited = once(c, 'exit');
    c.kill('SIGKILL');
    await exited;
  };
  await launch();
  return {
    url: `redis://127.0.0.1:${port}`,
    owned: true,
    stop,
    restart: async () => {
      await stop();
      await launch();
    },
    pause: () => child?.kill('SIGSTOP'),
    resume: () => child?.kill('SIGCONT'),
    close: async () => {
      child?.kill('SIGCONT');
      await stop();
    },
  };
}

async function freePort(): Promise<number> {
  const server = net.createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as net.AddressInfo;
  server.close();
  await once(server, 'close');
  return port;
}

async function waitForPong(port: number, child: ChildProcess): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`redis-server exited with ${child.exitCode} on port ${port}`);
    if (await ping(port)) return;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`redis-server did not answer PING on port ${port} within 10 s`);
}

function ping(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.setTimeout(500);
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.once('data', (d) => {
      socket.destroy();
      resolve(d.toString().startsWith('+PONG'));
    });
    socket.once('error', () => resolve(false));
    socket.once('timeout', () => {
      socket.destroy();
      resolve(false);
    });
  });
}
