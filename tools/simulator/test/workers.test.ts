import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { RULES, type Rule, runScenario } from '../src/index.js';

// The server's real entry point from source; its workers inherit the loader flags.
const main = fileURLToPath(new URL('../../../apps/server/src/main.ts', import.meta.url));

/** The node that takes the next connection (its upgrade answer names it). */
function nodeOfNextConnection(url: string): Promise<string | undefined> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`${url}?name=probe`);
    ws.once('upgrade', (res) => {
      resolve(res.headers['x-roomcast-node'] as string | undefined);
      ws.terminate();
    });
    ws.once('error', reject);
  });
}

describe('semantics against one server with WORKERS=2 (two processes on the in-host bus, one URL)', () => {
  let child: ChildProcess;
  let url: string;
  beforeAll(async () => {
    child = spawn(process.execPath, ['--conditions=@roomcast/source', '--import', 'tsx', main], {
      env: {
        ...process.env,
        WORKERS: '2',
        PORT: '0',
        HOST: '127.0.0.1',
        LOG_FORMAT: 'json',
        LOG_LEVEL: 'info',
        PRESENCE_GRACE_MS: '0',
        MAX_CONNECTIONS_PER_IP: '10000',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    url = await new Promise<string>((resolve, reject) => {
      child.stdout?.on('data', (d) => {
        out += d;
        const match = /WebSocket: (ws:\/\/[^\s"]+)/.exec(out);
        if (match?.[1]) resolve(match[1]);
      });
      child.once('exit', () => reject(new Error(`server exited before ready:\n${out}`)));
    });
  }, 30_000);
  afterAll(async () => {
    child.kill('SIGTERM');
    await once(child, 'exit');
  });

  it('every rule holds, exactly (no propagation allowance), with clients on both workers', async () => {
    const first = await nodeOfNextConnection(url);
    const second = await nodeOfNextConnection(url);
    expect(first).toMatch(/^[A-Za-z0-9_-]{8}$/);
    expect(second).toMatch(/^[A-Za-z0-9_-]{8}$/);
    expect(second).not.toBe(first);

    const r = await runScenario('semantics', { url, clients: 24, rooms: 3, rate: 6, duration: 3, seed: 9, workers: 2 });
    expect(r.checks.map((c) => c.rule)).toEqual(Object.keys(RULES) as Rule[]);
    expect(r.checks.filter((c) => !c.ok)).toEqual([]);
    expect(r.ok).toBe(true);
    expect(r.traffic.acked).toBeGreaterThan(50);
    expect(r.traffic.delivered).toBeGreaterThan(r.traffic.acked);
  }, 60_000);
});
