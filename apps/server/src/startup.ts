import type { Config } from './config.js';

/** Exit status for a configuration a person must fix (a bad variable, a port in use). */
export const EXIT_CONFIG = 2;

// Until the server listens nobody tails a log: say what went wrong as one plain sentence on stderr.
export function die(message: string, status: number): never {
  process.stderr.write(`roomcast: ${message}\n`);
  process.exit(status);
}

/** The line a person reads at start: where to connect, and what is in force. */
export function readyMessage(address: string, adapter: string, config: Config): string {
  const ws = `${address.replace(/^http/, 'ws')}/ws`;
  const limits = [
    `${config.MAX_CONNECTIONS} connections`,
    `${config.MAX_ROOMS_PER_CONNECTION} rooms per connection`,
    `${config.RATE_LIMIT_PER_SEC} frames/s (burst ${config.RATE_LIMIT_BURST})`,
    `frames up to ${config.MAX_FRAME_BYTES} bytes`,
    `${config.MAX_BUFFERED_BYTES} bytes queued per client`,
    config.HEARTBEAT_MS > 0 ? `heartbeat ${config.HEARTBEAT_MS} ms` : 'no heartbeat',
  ];
  return `Roomcast ready. Chat page: ${address}/  WebSocket: ${ws}  HTTP API: ${address}  (adapter: ${adapter}; limits: ${limits.join(', ')})`;
}

/** A sentence for the listen failures a person can fix from the configuration; undefined for anything else. */
export function explainListenError(err: unknown, config: Pick<Config, 'HOST' | 'PORT'>): string | undefined {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  const where = `${config.HOST}:${config.PORT}`;
  switch (code) {
    case 'EADDRINUSE':
      return `cannot listen on ${where}: port ${config.PORT} is already in use by another program. Stop it, or choose another port, e.g. PORT=${config.PORT === 65535 ? 3000 : config.PORT + 1} pnpm start (PORT=0 picks a free one).`;
    case 'EACCES':
      return `cannot listen on ${where}: not allowed to use port ${config.PORT} (ports below 1024 need extra privileges). Choose a higher port, e.g. PORT=3000.`;
    case 'EADDRNOTAVAIL':
      return `cannot listen on ${where}: HOST=${config.HOST} is not an address of this machine. Use 127.0.0.1 (this machine only) or 0.0.0.0 (every interface).`;
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return `cannot listen on ${where}: HOST=${config.HOST} is not a known host name. Use an IP address such as 127.0.0.1 or 0.0.0.0.`;
    default:
      return undefined;
  }
}
