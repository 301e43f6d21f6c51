import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { WireName } from './driver/wires.js';
import { moduleExt, packagePath } from './runtime.js';

export type TargetName = 'roomcast' | 'ws' | 'uws' | 'socket.io';
export const TARGET_NAMES: readonly TargetName[] = ['roomcast', 'ws', 'uws', 'socket.io'];

/** A server under test: how to start it as its own process, and which wire its clients speak. */
export interface Target {
  name: TargetName;
  label: string;
  wire: WireName;
  entry(): string;
  env: Record<string, string>;
}

/** Roomcast's own entry point (main.ts / main.js beside the package's resolved index). */
function roomcastMain(): string {
  const main = fileURLToPath(new URL(`./main${moduleExt}`, import.meta.resolve('@roomcast/server')));
  if (!existsSync(main)) {
    throw new Error(`Roomcast entry ${main} is missing: build it first (pnpm bench does: turbo run build)`);
  }
  return main;
}

export const TARGETS: Record<TargetName, Target> = {
  roomcast: {
    name: 'roomcast',
    label: 'Roomcast',
    wire: 'v1',
    entry: roomcastMain,
    // Limits raised so the per-connection rate limiter never drops bench traffic; logs quiet as in production.
    env: {
      LOG_LEVEL: 'warn',
      RATE_LIMIT_PER_SEC: '1000000',
      RATE_LIMIT_BURST: '1000000',
      MAX_CONNECTIONS: '100000',
    },
  },
  ws: { name: 'ws', label: 'ws peer', wire: 'v1', entry: () => packagePath('bin/ws-peer'), env: {} },
  uws: { name: 'uws', label: 'uWS peer', wire: 'v1', entry: () => packagePath('bin/uws-peer'), env: {} },
  'socket.io': {
    name: 'socket.io',
    label: 'Socket.IO 4',
    wire: 'socket.io',
    entry: () => packagePath('bin/socket-io-peer'),
    env: {},
  },
};
