import { createConnection, createServer, type Socket } from 'node:net';

interface Pair {
  down: Socket;
  up: Socket;
  since: number;
}

/** A TCP pass-through in front of one node that can cut connections the way a network does. */
export interface CutProxy {
  /** The WebSocket URL clients use instead of the node's. */
  readonly url: string;
  /** Connections currently passing through. */
  readonly open: number;
  /** Connections cut so far. */
  readonly cuts: number;
  /**
   * Destroys one live connection at least `minAgeMs` old, chosen by `pick` (0 <= pick < 1), on
   * both sides: no close frame either way. False when there is none.
   */
  cutOne(pick: number, minAgeMs?: number): boolean;
  /** The node is gone: cuts everything and refuses new connections. */
  kill(): void;
  close(): Promise<void>;
}

/**
 * Bytes are forwarded untouched, so the WebSocket handshake and frames are the node's own; a cut
 * destroys both sockets, so neither the client nor the server sees a close frame.
 */
export async function startCutProxy(upstreamWsUrl: string): Promise<CutProxy> {
  const upstream = new URL(upstreamWsUrl);
  const port = Number(upstream.port || (upstream.protocol === 'wss:' ? 443 : 80));
  const pairs = new Set<Pair>();
  let cuts = 0;
  let dead = false;
  const server = createServer((down) => {
    if (dead) {
      down.destroy();
      return;
    }
    const up = createConnection({ host: upstream.hostname, port });
    const pair = { down, up, since: performance.now() };
    pairs.add(pair);
    const end = () => {
      pairs.delete(pair);
      down.destroy();
      up.destroy();
    };
    down.pipe(up);
    up.pipe(down);
    for (const s of [down, up]) {
      s.setNoDelay(true);
      s.on('error', end);
      s.on('close', end);
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const local = typeof address === 'object' && address ? address.port : 0;
  const url = new URL(upstreamWsUrl);
  url.hostname = '127.0.0.1';
  url.port = String(local);
  const cut = (pair: Pair) => {
    pairs.delete(pair);
    cuts++;
    for (const s of [pair.down, pair.up]) {
      // RST where the socket allows it, like a network that is gone; a plain destroy otherwise.
      if (s.connecting || s.destroyed) s.destroy();
      else s.resetAndDestroy();
    }
  };
  return {
    url: url.href,
    get open() {
      return pairs.size;
    },
    get cuts() {
      return cuts;
    },
    cutOne(pickAt: number, minAgeMs = 0) {
      const now = performance.now();
      const list = [...pairs].filter((p) => now - p.since >= minAgeMs);
      const pair = list[Math.floor(pickAt * list.length)];
      if (!pair) return false;
      cut(pair);
      return true;
    },
    kill() {
      dead = true;
      for (const pair of [...pairs]) cut(pair);
    },
    close: () =>
      new Promise<void>((resolve) => {
        dead = true;
        for (const pair of [...pairs]) {
          pair.down.destroy();
          pair.up.destroy();
        }
        server.close(() => resolve());
      }),
  };
}
