import { createClient, type RedisClientType } from 'redis';

/** The subset of pino's logger the adapter writes to. */
export interface Log {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

export const silentLog: Log = { info() {}, warn() {}, error() {} };

export type Client = RedisClientType;

/**
 * A node-redis client that never gives up: it reconnects with capped exponential backoff and
 * jitter, and rejects commands at once while disconnected (no offline queue), so a publish fails
 * fast with `unavailable` instead of hanging until Redis is back.
 */
export function connectClient(url: string, role: string, log: Log): Client {
  const client = createClient({
    url,
    disableOfflineQueue: true,
    socket: {
      connectTimeout: 2000,
      reconnectStrategy: (retries) => Math.min(50 * 2 ** retries, 2000) + Math.floor(Math.random() * 100),
    },
  }) as Client;
  // Without a listener node-redis' 'error' events would crash the process; log each outage once.
  let down = false;
  client.on('error', (err: Error) => {
    if (down) return;
    down = true;
    log.warn({ err, role }, 'redis connection lost; reconnecting');
  });
  client.on('ready', () => {
    if (down) log.info({ role }, 'redis connection restored');
    down = false;
  });
  return client;
}
