import type { Message, User } from '@roomcast/protocol';
import type { AdapterSink, PresenceChange } from '../adapters/adapter.js';
import { MemoryAdapter } from '../adapters/memory.js';

const delay = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * The real in-memory adapter behind a network's worth of latency: every call answers `ms` later.
 * A test double of latency only; what it answers is MemoryAdapter's.
 */
export class SlowAdapter extends MemoryAdapter {
  constructor(private readonly ms = 50) {
    super();
  }

  override async start(sink: AdapterSink): Promise<void> {
    await delay(this.ms);
    return super.start(sink);
  }

  override async publish(room: string, draft: Omit<Message, 'seq'>): Promise<Message> {
    await delay(this.ms);
    return super.publish(room, draft);
  }

  override async presence(room: string, change: PresenceChange, user: User): Promise<void> {
    await delay(this.ms);
    return super.presence(room, change, user);
  }

  override async remoteMembers(room: string): Promise<User[]> {
    await delay(this.ms);
    return super.remoteMembers(room);
  }
}
