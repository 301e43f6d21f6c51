import type { Message, User } from '@roomcast/protocol';
import type { Adapter, AdapterSink, PresenceChange } from './adapter.js';

/**
 * The medium several in-process nodes share. One bus per process is a single-node cluster;
 * tests create several nodes on one bus to exercise the adapter seam without Redis.
 */
export class MemoryBus {
  readonly nodes = new Set<MemoryAdapter>();
  private readonly seqs = new Map<string, number>();

  nextSeq(room: string): number {
    const seq = (this.seqs.get(room) ?? 0) + 1;
    this.seqs.set(room, seq);
    return seq;
  }

  forgetIfEmpty(room: string): void {
    for (const node of this.nodes) if (node.localMembers(room).length > 0) return;
    this.seqs.delete(room);
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
    this.bus.forgetIfEmpty(room);
  }

  async close(): Promise<void> {
    this.bus.nodes.delete(this);
    this.sink = undefined;
  }
}
