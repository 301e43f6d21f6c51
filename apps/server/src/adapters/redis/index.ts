import { randomBytes } from 'node:crypto';
import type { Adapter, AdapterSink } from '../adapter.js';
import { RedisBroker } from './broker.js';
import { type Client, connectClient, type Log, silentLog, watchHealth } from './client.js';
import { NodeLiveness } from './nodes.js';
import { RedisPresence } from './presence.js';
import { RedisSessions } from './sessions.js';

export interface RedisAdapterOptions {
  url: string;
  /** Prefix of every key and channel (REDIS_PREFIX), so deployments and tests can share a Redis. */
  prefix?: string;
  /** Messages kept per room for recovery (HISTORY_SIZE; Redis trims approximately, never below). */
  historySize?: number;
  /** Heartbeat TTL (NODE_TTL_MS): a silent node is swept within 1.2x this. */
  nodeTtlMs?: number;
  /** This node's id; random by default. */
  node?: string;
  /** How long start() waits for Redis before carrying on not ready (it keeps reconnecting). */
  connectWaitMs?: number;
  log?: Log;
}

export const REDIS_DEFAULTS = { prefix: 'roomcast:', historySize: 1000, nodeTtlMs: 10_000, connectWaitMs: 5000 };

export function createRedisAdapter(options: RedisAdapterOptions): RedisAdapter {
  return new RedisAdapter(options);
}

/** Many nodes as one on a Redis: see README, "Running several nodes". */
export class RedisAdapter implements Adapter {
  readonly name = 'redis';
  readonly scope = 'cluster' as const;
  readonly node: string;
  readonly broker: RedisBroker;
  readonly presence: RedisPresence;
  readonly sessions: RedisSessions;
  private readonly cmd: Client;
  private readonly sub: Client;
  private readonly health: ReturnType<typeof watchHealth>;
  /** Heartbeat and dead-node sweep (public so operators and tests can drive a beat or a sweep). */
  readonly liveness: NodeLiveness;
  private readonly log: Log;
  private readonly connectWaitMs: number;
  private started = false;

  constructor(options: RedisAdapterOptions) {
    const prefix = options.prefix ?? REDIS_DEFAULTS.prefix;
    this.node = options.node ?? randomBytes(6).toString('hex');
    this.log = options.log ?? silentLog;
    this.connectWaitMs = options.connectWaitMs ?? REDIS_DEFAULTS.connectWaitMs;
    this.cmd = connectClient(options.url, 'command', this.log);
    this.sub = connectClient(options.url, 'subscriber', this.log);
    this.broker = new RedisBroker(this.cmd, this.sub, {
      prefix,
      node: this.node,
      historySize: options.historySize ?? REDIS_DEFAULTS.historySize,
      log: this.log,
    });
    this.presence = new RedisPresence(this.cmd, prefix, this.node);
    this.sessions = new RedisSessions(this.cmd, prefix);
    this.liveness = new NodeLiveness(this.cmd, this.presence, this.broker, {
      prefix,
      node: this.node,
      ttlMs: options.nodeTtlMs ?? REDIS_DEFAULTS.nodeTtlMs,
      log: this.log,
    });
    // A stalled Redis counts as a disconnection: not ready, and no sweeping of nodes that could not beat either.
    this.health = watchHealth(this.cmd, (healthy) => {
      if (healthy) void this.liveness.onConnected().catch(() => {});
      else this.liveness.onDisconnected();
    });
  }

  async start(sink: AdapterSink): Promise<void> {
    this.broker.start(sink);
    this.cmd.on('ready', () => {
      void this.liveness.onConnected().catch(() => {});
      if (this.started) void this.broker.onCommandRestored();
    });
    this.cmd.on('error', () => this.liveness.onDisconnected());
    this.sub.on('ready', () => {
      if (this.started) this.broker.onSubscriberRestored();
    });
    const connected = Promise.all([this.cmd.connect(), this.sub.connect()]);
    connected.catch(() => {}); // the clients keep retrying; errors are logged by their listeners
    const waited = await Promise.race([
      connected.then(() => true),
      new Promise<false>((resolve) => setTimeout(resolve, this.connectWaitMs, false).unref()),
    ]);
    if (!waited) this.log.warn({ waitedMs: this.connectWaitMs }, 'redis not reachable yet; starting not ready');
    this.liveness.start();
    this.started = true;
  }

  ready(): boolean {
    return this.health.healthy() && this.sub.isReady;
  }

  /** Drops the connections without leaving, as a crash would: the others sweep this node. */
  destroy(): void {
    this.health.stop();
    this.liveness.stop();
    for (const client of [this.sub, this.cmd]) if (client.isOpen) client.destroy();
  }

  async close(): Promise<void> {
    this.health.stop();
    await this.liveness.close();
    await this.broker.close();
    for (const client of [this.sub, this.cmd]) {
      if (client.isReady) await client.close().catch(() => client.destroy());
      else if (client.isOpen) client.destroy();
    }
  }
}

/** The adapter `REDIS_URL` asks for, with the rest of the Redis settings from the configuration. */
export function redisAdapterFromConfig(
  config: { REDIS_URL?: string; REDIS_PREFIX: string; NODE_TTL_MS: number; HISTORY_SIZE?: number },
  log: Log,
): RedisAdapter {
  if (!config.REDIS_URL) throw new Error('REDIS_URL is not set');
  return createRedisAdapter({
    url: config.REDIS_URL,
    prefix: config.REDIS_PREFIX,
    nodeTtlMs: config.NODE_TTL_MS,
    historySize: config.HISTORY_SIZE,
    log,
  });
}
