import { describe, expect, it } from 'vitest';
import { runScenario } from '../src/index.js';

describe('simulator with auth on', () => {
  it('--jwt-secret: starts the server with AUTH_JWT_SECRET, mints a token per client, and every rule holds', async () => {
    const r = await runScenario('semantics', {
      jwtSecret: 'sim-test-secret-sim-test-secret-0123',
      clients: 8,
      rooms: 2,
      rate: 4,
      duration: 1,
      seed: 11,
      workers: 1,
    });
    expect(r.checks.filter((c) => !c.ok)).toEqual([]);
    expect(r.ok).toBe(true);
    expect(r.traffic.acked).toBeGreaterThan(4);
  }, 60_000);

  it('a wrong --token is refused: no client connects', async () => {
    await expect(
      runScenario('semantics', {
        jwtSecret: 'sim-test-secret-sim-test-secret-0123',
        token: 'not-a-valid-token',
        clients: 2,
        rooms: 1,
        duration: 0.5,
        workers: 1,
      }),
    ).rejects.toThrow('none of 2 clients could connect');
  }, 60_000);
});
