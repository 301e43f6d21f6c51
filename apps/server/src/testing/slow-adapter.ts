import type { Message, User } from '@roomcast/protocol';
import type { AdapterSink, PresenceChange } from '../adapters/adapter.js';
import { MemoryAdapter } from '../adapters/memory.js';

const delay = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * The real in-memory adapter behind a network's worth of latency: every call answers `ms` later.
 * A test double of latency only; what it answers is MemoryAdapter's.
 */
export class SlowAdapter extends MemoryAdapter {
  private gate: Promise<void> = Promise.resolve();
  private release = () => {};

  constructor(private readonly ms = 50) {
    super();
  }

  /** Holds every call, made before or after, until `resume()`: latency as long as a test needs. */
  pause(): void {
    this.gate = new Promise((resolve) => {
      this.release = resolve;
    });
  }

  resume(): void {
    this.release();
  }

  private async wait(): Promise<void> {
    await delay(this.ms);
    await this.gate;
  }

  override async start(sink: AdapterSink): Promise<void> {
    await this.wait();
    return super.start(sink);
  }

  override async publish(room: string, draft: Omit<Message, 'seq'>): Promise<Message> {
    await this.wait();
    return super.publish(room, draft);
  }

  override async presence(room: string, change: PresenceChange, user: User): Promise<void> {
    await this.wait();
    return super.presence(room, change, user);
  }

  override async remoteMembers(room: string): Promise<User[]> {
    await this.wait();
    return super.remoteMembers(room);
  }
}
