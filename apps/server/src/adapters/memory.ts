import type { Message, User } from '@roomcast/protocol';
import type { Adapter, AdapterSink, PresenceChange } from './adapter.js';

/**
 * The medium several in-process nodes share. One bus per process is a single-node cluster;
 * tests create several nodes on one bus to exercise the adapter seam without Redis.
 */
export class MemoryBus {
  readonly nodes = new Set<MemoryAdapter>();
  private readonly seqs = new Map<string, number>();
  /** Rooms that emptied, oldest first; their counters are kept so `seq` never goes back. */
  private readonly emptied = new Set<string>();

  /** `retainEmptied` bounds the counters kept for rooms nobody is in. */
  constructor(private readonly retainEmptied = 10_000) {}

  nextSeq(room: string): number {
    const seq = (this.seqs.get(room) ?? 0) + 1;
    this.seqs.set(room, seq);
    return seq;
  }

  roomEmptied(room: string): void {
    if (this.occupied(room)) return;
    this.emptied.delete(room);
    this.emptied.add(room);
    for (const oldest of this.emptied) {
      if (this.emptied.size <= this.retainEmptied) break;
      this.emptied.delete(oldest);
      // A room that filled up again keeps its counter; only a still-empty one is forgotten.
      if (!this.occupied(oldest)) this.seqs.delete(oldest);
    }
  }

  private occupied(room: string): boolean {
    for (const node of this.nodes) if (node.localMembers(room).length > 0) return true;
    return false;
  }
}

export class MemoryAdapter implements Adapter {
  readonly name = 'memory';
  private sink: AdapterSink | undefined;

  constructor(private readonly bus: MemoryBus = new MemoryBus()) {}

  async start(sink: AdapterSink): Promise<void> {
    this.sink = sink;
    this.bus.nodes.add(this);
  }

  localMembers(room: string): User[] {
    return this.sink?.localMembers(room) ?? [];
  }

  async publish(room: string, draft: Omit<Message, 'seq'>): Promise<Message> {
    const message: Message = { ...draft, seq: this.bus.nextSeq(room) };
    for (const node of this.bus.nodes) if (node !== this) node.sink?.onRemoteMessage(message);
    return message;
  }

  async presence(room: string, change: PresenceChange, user: User): Promise<void> {
    for (const node of this.bus.nodes) if (node !== this) node.sink?.onRemotePresence(room, change, user);
  }

  async remoteMembers(room: string): Promise<User[]> {
    const out: User[] = [];
    for (const node of this.bus.nodes) if (node !== this) out.push(...node.localMembers(room));
    return out;
  }

  roomEmptied(room: string): void {
    this.bus.roomEmptied(room);
  }

  async close(): Promise<void> {
    this.bus.nodes.delete(this);
    this.sink = undefined;
  }
}
