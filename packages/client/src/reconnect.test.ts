import { describe, expect, it } from 'vitest';
import type { WebSocket } from 'ws';
import { rawHarness, welcomeFrame } from './test-support/raw-server.js';
import { next, record } from './testing.js';

const { serve, client } = rawHarness();

describe('reconnect backoff', () => {
  it('starts over at attempt 1 after every successful reconnect', async () => {
    const sockets: WebSocket[] = [];
    const server = await serve((socket) => {
      sockets.push(socket);
      socket.send(welcomeFrame());
    });
    const ada = client({ url: server.url, reconnect: { initialDelayMs: 20, factor: 2, jitter: 0, maxAttempts: 2 } });
    await ada.ready();
    const states = record(ada, 'state');
    // Three drops, each followed by a welcome: more than maxAttempts in all, but never two in a row.
    for (let drop = 1; drop <= 3 && ada.state === 'open'; drop++) {
      const settled = next(ada, 'state', (s) => s.state === 'open' || s.state === 'closed');
      sockets.at(-1)?.terminate();
      await settled;
    }
    expect(states.map((s) => [s.state, s.attempt, s.delayMs])).toEqual([
      ['reconnecting', 1, 20],
      ['open', undefined, undefined],
      ['reconnecting', 1, 20],
      ['open', undefined, undefined],
      ['reconnecting', 1, 20],
      ['open', undefined, undefined],
    ]);
    expect(sockets).toHaveLength(4);
    expect(ada.state).toBe('open');
  });
});
