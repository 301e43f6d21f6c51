import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { startDriver } from './driver/pool.js';
import { connectAll } from './scenarios/connect.js';
import { startServer } from './server-process.js';
import { TARGETS } from './targets.js';

const comm = (pid: number) => readFileSync(`/proc/${pid}/comm`, 'utf8').trim();

interface Health {
  node: string;
  connections: number;
}

describe('a scale-out target', { timeout: 120_000 }, () => {
  it('runs two nodes on a private redis-server, counts all three processes, and splits clients between the nodes', async () => {
    const server = await startServer(TARGETS['roomcast-redis-2']);
    const pool = startDriver(1);
    try {
      expect(server.urls).toHaveLength(2);
      expect(new Set(server.urls).size).toBe(2);
      // Under tsx (tests run from source) each node also has esbuild helpers; the built bench has none.
      const names = server
        .pids()
        .map(comm)
        .filter((c) => c !== 'esbuild')
        .sort();
      expect(names).toEqual(['node', 'node', 'redis-server']);

      const plan = Array.from({ length: 10 }, (_, i) => ({ name: `c${i}`, room: `r${i % 5}`, sender: false }));
      const connected = await connectAll(pool, TARGETS['roomcast-redis-2'], server, plan);
      expect(connected).toMatchObject({ connected: 10, failed: 0 });
      const health = await Promise.all(
        server.urls.map(
          async (url) => (await fetch(`${url.replace(/^ws/, 'http')}/healthz`)).json() as Promise<Health>,
        ),
      );
      expect(health.map((h) => h.connections)).toEqual([5, 5]);
      expect(health[0]?.node).not.toBe(health[1]?.node);
      // Every room has a member on each node, so the fanout crosses Redis.
      const members = await fetch(`${server.urls[0]?.replace(/^ws/, 'http')}/rooms/r0/members`);
      expect(((await members.json()) as { members: unknown[] }).members).toHaveLength(2);
    } finally {
      await pool.terminate();
      await server.stop();
    }
    expect(server.exited()).toBe(true);
  });

  it('counts a WORKERS=2 target as its cluster primary and both workers', async () => {
    const server = await startServer(TARGETS['roomcast-workers-2']);
    try {
      expect(server.urls).toHaveLength(1);
      const names = server
        .pids()
        .map(comm)
        .filter((c) => c !== 'esbuild');
      expect(names).toEqual(['node', 'node', 'node']);
    } finally {
      await server.stop();
    }
  });
});
