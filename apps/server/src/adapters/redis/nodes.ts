import type { RedisBroker } from './broker.js';
import type { Client, Log } from './client.js';
import { nodeKeys, nodesKey, roomKeys } from './keys.js';
import type { RedisPresence } from './presence.js';
import { runScript } from './run.js';
import { SWEEP_ROOM } from './scripts.js';

export interface NodesOptions {
  prefix: string;
  node: string;
  /** A node whose heartbeat is older than this is dead. */
  ttlMs: number;
  log: Log;
}

/**
 * Node liveness. Each node renews `node:<id>` (TTL `ttlMs`) every ttl/3 and checks the others
 * every ttl/5; a node whose key expired is swept by whichever node takes its lock first: its
 * presence entries are removed and announced `left` on each room's channel. So a dead node's
 * members are announced gone at most ttl + ttl/5 (+ one Redis round trip per room) after its
 * last heartbeat: 12 s with the default 10 s.
 */
export class NodeLiveness {
  private timers: NodeJS.Timeout[] = [];
  private registered = false;
  private connectedAt = Number.POSITIVE_INFINITY;
  private sweeping = false;
  /** Nodes this node swept. */
  swept = 0;

  constructor(
    private readonly cmd: Client,
    private readonly presence: RedisPresence,
    private readonly broker: RedisBroker,
    private readonly opts: NodesOptions,
  ) {}

  start(): void {
    const every = (ms: number, fn: () => Promise<void>) =>
      this.timers.push(setInterval(() => void fn().catch(() => {}), Math.max(10, Math.floor(ms))).unref());
    every(this.opts.ttlMs / 3, () => this.beat());
    every(this.opts.ttlMs / 5, () => this.sweep());
  }

  /** Redis (re)connected: renew at once, and give the other nodes a full ttl to do the same before judging them. */
  async onConnected(): Promise<void> {
    this.connectedAt = Date.now();
    await this.beat();
  }

  onDisconnected(): void {
    this.connectedAt = Number.POSITIVE_INFINITY;
  }

  async beat(): Promise<void> {
    if (!this.cmd.isReady) return;
    const { alive, swept } = nodeKeys(this.opts.prefix, this.opts.node);
    await this.cmd.set(alive, String(Date.now()), { PX: this.opts.ttlMs });
    const added = await this.cmd.sAdd(nodesKey(this.opts.prefix), this.opts.node);
    if (added === 1 && this.registered) {
      // Redis lost our registration: it restarted empty, or we were swept while stalled.
      const wasSwept = (await this.cmd.del(swept)) === 1;
      const restored = await this.presence.restore();
      this.opts.log.warn({ restored: restored.length, wasSwept }, 're-registered this node in redis');
      if (wasSwept) for (const { room, member } of restored) await this.broker.announce(room, 'joined', member);
    }
    this.registered = true;
  }

  async sweep(): Promise<void> {
    if (this.sweeping || !this.cmd.isReady || Date.now() - this.connectedAt < this.opts.ttlMs) return;
    this.sweeping = true;
    try {
      for (const id of await this.cmd.sMembers(nodesKey(this.opts.prefix))) {
        if (id === this.opts.node) continue;
        const k = nodeKeys(this.opts.prefix, id);
        if ((await this.cmd.exists(k.alive)) === 1) continue;
        const lock = await this.cmd.set(k.sweepLock, this.opts.node, { NX: true, PX: Math.max(this.opts.ttlMs, 5000) });
        if (lock !== 'OK') continue;
        const removed = await this.sweepNode(id);
        this.opts.log.info({ node: id, removed }, 'swept a node that stopped renewing its heartbeat');
        this.swept++;
      }
    } finally {
      this.sweeping = false;
    }
  }

  /** Removes a node's entries (announcing each `left`) and its registration; returns how many. */
  async sweepNode(id: string): Promise<number> {
    const k = nodeKeys(this.opts.prefix, id);
    let removed = 0;
    for (const room of await this.cmd.sMembers(k.rooms)) {
      const r = roomKeys(this.opts.prefix, room);
      removed += (await runScript(this.cmd, SWEEP_ROOM, [r.presence, r.channel], [id])) as number;
    }
    if (id !== this.opts.node) await this.cmd.set(k.swept, '1', { PX: 3_600_000 });
    await this.cmd.del([k.rooms, k.alive]);
    await this.cmd.sRem(nodesKey(this.opts.prefix), id);
    return removed;
  }

  /** Stops the timers and, when Redis is reachable, leaves at once: own entries announced left. */
  stop(): void {
    for (const t of this.timers) clearInterval(t);
    this.timers = [];
  }

  async close(): Promise<void> {
    this.stop();
    if (!this.cmd.isReady) return;
    await this.sweepNode(this.opts.node).catch((err: unknown) =>
      this.opts.log.warn({ err }, 'could not leave redis cleanly'),
    );
  }
}
