import { createClient, type RedisClientType } from 'redis';

/** The subset of pino's logger the adapter writes to. */
export interface Log {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

export const silentLog: Log = { info() {}, warn() {}, error() {} };

export type Client = RedisClientType;

/** How long a Redis command may take before the caller gets `unavailable`. */
export const COMMAND_TIMEOUT_MS = 2000;

/**
 * A node-redis client that never gives up: it reconnects with capped exponential backoff and
 * jitter, and rejects commands at once while disconnected (no offline queue), so a publish fails
 * fast with `unavailable` instead of hanging until Redis is back.
 */
export function connectClient(url: string, role: string, log: Log, timeoutMs = COMMAND_TIMEOUT_MS): Client {
  const client = createClient({
    url,
    disableOfflineQueue: true,
    // Commands still queued when Redis stalls give up too (run.ts times out the written ones).
    commandOptions: { timeout: timeoutMs },
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

/**
 * Whether Redis answers, not only whether the socket is open: a stalled Redis keeps the socket
 * open. PINGs once a `intervalMs`; unhealthy after a PING failed or went unanswered.
 */
export function watchHealth(
  client: Client,
  onChange: (healthy: boolean) => void,
  intervalMs = 1000,
): { healthy(): boolean; stop(): void } {
  let healthy = true;
  const set = (now: boolean) => {
    if (now === healthy) return;
    healthy = now;
    onChange(now);
  };
  let inFlight = false;
  const timer = setInterval(() => {
    if (inFlight || !client.isReady) return;
    inFlight = true;
    const pong = client.ping();
    const late = new Promise((_, reject) => setTimeout(reject, COMMAND_TIMEOUT_MS).unref());
    Promise.race([pong, late])
      .then(() => set(true))
      .catch(() => set(false))
      .finally(() => {
        inFlight = false;
      });
  }, intervalMs).unref();
  return {
    healthy: () => healthy && client.isReady,
    stop: () => clearInterval(timer),
  };
}
