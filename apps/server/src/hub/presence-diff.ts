import type { User } from '@roomcast/protocol';
import type { PresenceChange } from '../adapters/adapter.js';

/** What one room's window holds per connection: its latest change. */
type Pending = Map<string, { change: PresenceChange; user: User }>;

export type DiffFlush = (room: string, joined: User[], left: User[]) => void;

/**
 * Coalesces a room's presence changes into one `presence:diff` per interval, for connections
 * that asked for diffs. A join and a leave of one connection within the window cancel out:
 * the room ends the window as it began for that connection, so nobody needs to hear of it.
 */
export class PresenceDiffs {
  private readonly pending = new Map<string, Pending>();
  private readonly timers = new Map<string, ReturnType<typeof setTimeout>>();
  /** Connections that asked for diffs; the others keep user:joined/user:left. */
  private readonly optedIn = new WeakSet<object>();

  constructor(
    private readonly intervalMs: number,
    private readonly flush: DiffFlush,
  ) {}

  optIn(conn: object): void {
    this.optedIn.add(conn);
  }

  wants(conn: object): boolean {
    return this.optedIn.has(conn);
  }

  add(room: string, change: PresenceChange, clientId: string, user: User): void {
    let entries = this.pending.get(room);
    if (!entries) {
      entries = new Map();
      this.pending.set(room, entries);
      this.timers.set(
        room,
        setTimeout(() => this.emit(room), this.intervalMs),
      );
    }
    const before = entries.get(clientId);
    if (before && before.change !== change) entries.delete(clientId);
    else entries.set(clientId, { change, user });
  }

  /** Drops what is pending (shutdown). */
  close(): void {
    for (const timer of this.timers.values()) clearTimeout(timer);
    this.timers.clear();
    this.pending.clear();
  }

  private emit(room: string): void {
    const entries = this.pending.get(room);
    this.pending.delete(room);
    this.timers.delete(room);
    if (!entries || entries.size === 0) return;
    const joined: User[] = [];
    const left: User[] = [];
    for (const { change, user } of entries.values()) (change === 'joined' ? joined : left).push(user);
    this.flush(room, joined, left);
  }
}
