import { randomBytes } from 'node:crypto';
import type { Message, StreamPosition } from '@roomcast/protocol';
import type {
  Adapter,
  AdapterSink,
  Broker,
  HistoryResult,
  Member,
  PresenceChange,
  PresenceStore,
  Session,
  SessionStore,
} from '../adapter.js';
import { MemoryBus, type MemoryBusOptions } from './bus.js';

export { MemoryBus, type MemoryBusOptions };

const nodeOf = (owner: string) => owner.split('/')[0] as string;

/** The default adapter: everything in this process (or shared with other nodes on one MemoryBus, in tests). */
export class MemoryAdapter implements Adapter {
  readonly name = 'memory';
  readonly scope = 'node' as const;
  readonly node = randomBytes(6).toString('base64url');
  readonly broker: Broker;
  readonly presence: PresenceStore;
  readonly sessions: SessionStore;
  private sink: AdapterSink | undefined;

  constructor(readonly bus: MemoryBus = new MemoryBus()) {
    this.broker = memoryBroker(this, bus);
    this.presence = memoryPresence(bus);
    this.sessions = memorySessions(bus);
  }

  get attached(): AdapterSink | undefined {
    return this.sink;
  }

  async start(sink: AdapterSink): Promise<void> {
    this.sink = sink;
  }

  ready(): boolean {
    return true;
  }

  /** Leaves the bus: unsubscribes, and the other nodes see this node's members leave (a node gone). */
  async close(): Promise<void> {
    const sink = this.sink;
    this.sink = undefined;
    if (!sink) return;
    for (const [room, subs] of this.bus.subscribers)
      if (subs.delete(sink) && subs.size === 0) this.bus.subscribers.delete(room);
    for (const [room, entries] of this.bus.presence) {
      for (const [clientId, entry] of entries) {
        if (nodeOf(entry.owner) !== this.node) continue;
        entries.delete(clientId);
        this.bus.announce(sink, room, 'left', entry.member);
      }
      if (entries.size === 0) this.bus.presence.delete(room);
      this.bus.touch(room);
    }
  }
}

function memoryBroker(adapter: MemoryAdapter, bus: MemoryBus): Broker {
  const sink = () => adapter.attached;
  return {
    async subscribe(room: string): Promise<void> {
      const s = sink();
      if (!s) return;
      let subs = bus.subscribers.get(room);
      if (!subs) {
        subs = new Set();
        bus.subscribers.set(room, subs);
      }
      subs.add(s);
      bus.touch(room);
    },
    async unsubscribe(room: string): Promise<void> {
      const subs = bus.subscribers.get(room);
      const s = sink();
      if (s && subs?.delete(s) && subs.size === 0) bus.subscribers.delete(room);
      bus.touch(room);
    },
    async publish(room: string, draft: Omit<Message, 'seq'>, floor: number) {
      return bus.publish(room, draft, floor);
    },
    async announce(room: string, change: PresenceChange, member: Member): Promise<void> {
      const s = sink();
      if (s) bus.announce(s, room, change, member);
    },
    async position(room: string): Promise<StreamPosition> {
      return bus.log(room).position;
    },
    async history(room: string, since: StreamPosition, limit: number): Promise<HistoryResult> {
      return bus.log(room).history(since, limit);
    },
  };
}

function memoryPresence(bus: MemoryBus): PresenceStore {
  return {
    async add(room: string, member: Member, owner: string): Promise<boolean> {
      let entries = bus.presence.get(room);
      if (!entries) {
        entries = new Map();
        bus.presence.set(room, entries);
      }
      const existed = entries.has(member.clientId);
      entries.set(member.clientId, { member, owner });
      bus.touch(room);
      return existed;
    },
    async remove(room: string, clientId: string, owner: string): Promise<boolean> {
      const entries = bus.presence.get(room);
      if (entries?.get(clientId)?.owner !== owner) return false;
      entries.delete(clientId);
      if (entries.size === 0) bus.presence.delete(room);
      bus.touch(room);
      return true;
    },
    async list(room: string): Promise<Member[]> {
      return [...(bus.presence.get(room)?.values() ?? [])].map((e) => e.member);
    },
    async count(room: string): Promise<number> {
      return bus.presence.get(room)?.size ?? 0;
    },
  };
}

function memorySessions(bus: MemoryBus): SessionStore {
  let saves = 0;
  return {
    async save(token: string, session: Session, ttlMs: number): Promise<void> {
      const now = Date.now();
      // An occasional sweep on write keeps the map bounded by the sessions of one window.
      if (++saves % 1024 === 0) {
        for (const [t, entry] of bus.sessions) if (entry.expires <= now) bus.sessions.delete(t);
      }
      bus.sessions.set(token, { session, expires: now + ttlMs });
    },
    async take(token: string): Promise<Session | undefined> {
      const entry = bus.sessions.get(token);
      if (!entry) return undefined;
      bus.sessions.delete(token);
      return entry.expires > Date.now() ? entry.session : undefined;
    },
    async drop(token: string): Promise<void> {
      bus.sessions.delete(token);
    },
  };
}
