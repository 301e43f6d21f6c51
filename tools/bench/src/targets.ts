import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { WireName } from './driver/wires.js';
import { moduleExt, packagePath } from './runtime.js';

export type TargetName =
  | 'roomcast'
  | 'roomcast-workers-2'
  | 'roomcast-redis'
  | 'roomcast-redis-2'
  | 'ws'
  | 'uws'
  | 'socket.io';
export const TARGET_NAMES: readonly TargetName[] = [
  'roomcast',
  'roomcast-workers-2',
  'roomcast-redis',
  'roomcast-redis-2',
  'ws',
  'uws',
  'socket.io',
];

/** A server under test: how to start it as its own process, and which wire its clients speak. */
export interface Target {
  name: TargetName;
  label: string;
  wire: WireName;
  entry(): string;
  env: Record<string, string>;
  /** Scale-out targets: a private redis-server (its CPU and memory counted with the nodes'). */
  redis?: boolean;
  /** Processes started side by side, clients spread over them; 1 when unset. */
  nodes?: number;
  /** Whether the ceiling search and the storm run for it (they compare what one host carries, without Redis). */
  once: boolean;
}

/** Roomcast's own entry point (main.ts / main.js beside the package's resolved index). */
function roomcastMain(): string {
  const main = fileURLToPath(new URL(`./main${moduleExt}`, import.meta.resolve('@roomcast/server')));
  if (!existsSync(main)) {
    throw new Error(`Roomcast entry ${main} is missing: build it first (pnpm bench does: turbo run build)`);
  }
  return main;
}

// Limits raised so the per-connection rate limiter never drops bench traffic; logs quiet as in production.
const ROOMCAST_ENV = {
  LOG_LEVEL: 'warn',
  RATE_LIMIT_PER_SEC: '1000000',
  RATE_LIMIT_BURST: '1000000',
  MAX_CONNECTIONS: '100000',
  MAX_CONNECTIONS_PER_IP: '100000',
};

const roomcast = { wire: 'v1', entry: roomcastMain, env: ROOMCAST_ENV } as const;

export const TARGETS: Record<TargetName, Target> = {
  roomcast: { ...roomcast, name: 'roomcast', label: 'Roomcast', once: true },
  // One process forking two workers on the in-host bus: the cluster primary's tree is counted.
  'roomcast-workers-2': {
    ...roomcast,
    name: 'roomcast-workers-2',
    label: 'Roomcast, WORKERS=2',
    env: { ...ROOMCAST_ENV, WORKERS: '2' },
    once: true,
  },
  'roomcast-redis': { ...roomcast, name: 'roomcast-redis', label: 'Roomcast, Redis', redis: true, once: false },
  'roomcast-redis-2': {
    ...roomcast,
    name: 'roomcast-redis-2',
    label: 'Roomcast, 2 nodes + Redis',
    redis: true,
    nodes: 2,
    once: false,
  },
  ws: { name: 'ws', label: 'ws peer', wire: 'v1', entry: () => packagePath('bin/ws-peer'), env: {}, once: true },
  uws: { name: 'uws', label: 'uWS peer', wire: 'v1', entry: () => packagePath('bin/uws-peer'), env: {}, once: true },
  'socket.io': {
    name: 'socket.io',
    label: 'Socket.IO 4',
    wire: 'socket.io',
    entry: () => packagePath('bin/socket-io-peer'),
    env: {},
    once: true,
  },
};
