import type { Message, StreamPosition } from '@roomcast/protocol';
import type { AdapterSink, Member, PresenceChange, Session } from '../adapter.js';
import { MemoryAdapter, type MemoryBus } from '../memory/index.js';
import type { HostReply, HostRequest, Op } from './wire.js';

/** The primary's end of one worker's IPC channel (a cluster Worker has this shape). */
export interface WorkerChannel {
  send(message: HostReply, callback: (err: Error | null) => void): boolean;
  isConnected(): boolean;
}

type Call = (adapter: MemoryAdapter, args: unknown[]) => Promise<unknown>;

// Each op is the same call on the worker's MemoryAdapter: the bus's semantics are the memory adapter's.
const calls: Record<Exclude<Op, 'attach' | 'detach'>, Call> = {
  subscribe: (a, [room]) => a.broker.subscribe(room as string),
  unsubscribe: (a, [room]) => a.broker.unsubscribe(room as string),
  publish: (a, [room, draft, floor]) =>
    a.broker.publish(room as string, draft as Omit<Message, 'seq'>, floor as number),
  announce: (a, [room, change, member]) =>
    a.broker.announce(room as string, change as PresenceChange, member as Member),
  position: (a, [room]) => a.broker.position(room as string),
  history: (a, [room, since, limit]) => a.broker.history(room as string, since as StreamPosition, limit as number),
  'presence.add': (a, [room, member, owner]) => a.presence.add(room as string, member as Member, owner as string),
  'presence.remove': (a, [room, clientId, owner]) =>
    a.presence.remove(room as string, clientId as string, owner as string),
  'presence.list': (a, [room]) => a.presence.list(room as string),
  'presence.count': (a, [room]) => a.presence.count(room as string),
  'sessions.save': (a, [token, session, ttl]) => a.sessions.save(token as string, session as Session, ttl as number),
  'sessions.take': (a, [token]) => a.sessions.take(token as string),
  'sessions.drop': (a, [token]) => a.sessions.drop(token as string),
};

/**
 * The in-host bus: one MemoryBus in the primary, and for each worker a MemoryAdapter on it (so
 * each worker is a node with its own id) whose events are pushed down that worker's channel.
 * The bus numbers every room's messages, so every worker sees one order; the channel keeps it.
 */
export class BusHost {
  private readonly workers = new Map<WorkerChannel, MemoryAdapter>();

  constructor(readonly bus: MemoryBus) {}

  /** Workers attached now. */
  get size(): number {
    return this.workers.size;
  }

  /** Answers one request of a worker on its channel. */
  handle(channel: WorkerChannel, request: HostRequest): void {
    void this.run(channel, request).then(
      (value) => reply(channel, { rc: 'res', id: request.id, ok: true, value }),
      (err: unknown) => reply(channel, { rc: 'res', id: request.id, ok: false, error: String(err) }),
    );
  }

  /**
   * A worker gone (it left, or its process exited): its subscriptions end and each of its members
   * is announced `left` to the other workers, as a memory node that closes. Returns how many.
   */
  async detach(channel: WorkerChannel): Promise<number> {
    const adapter = this.workers.get(channel);
    if (!adapter) return 0;
    this.workers.delete(channel);
    let members = 0;
    for (const entries of this.bus.presence.values())
      for (const entry of entries.values()) if (entry.owner.startsWith(`${adapter.node}/`)) members++;
    await adapter.close();
    return members;
  }

  private async run(channel: WorkerChannel, { op, args }: HostRequest): Promise<unknown> {
    if (op === 'attach') {
      if (!this.workers.has(channel)) {
        const adapter = new MemoryAdapter(this.bus);
        await adapter.start(pushTo(channel));
        this.workers.set(channel, adapter);
      }
      return (this.workers.get(channel) as MemoryAdapter).node;
    }
    if (op === 'detach') return this.detach(channel);
    const adapter = this.workers.get(channel);
    if (!adapter) throw new Error(`${op} before attach`);
    return calls[op](adapter, args);
  }
}

/** A worker's events, pushed in the bus's order. */
function pushTo(channel: WorkerChannel): AdapterSink {
  return {
    onMessage: (message, epoch) => reply(channel, { rc: 'msg', message, epoch }),
    onPresence: (room, change, member) => reply(channel, { rc: 'presence', room, change, member }),
  };
}

// A worker that is gone has no members left to miss anything: what it can no longer take is not sent.
function reply(channel: WorkerChannel, message: HostReply): void {
  if (channel.isConnected()) channel.send(message, () => {});
}
