import type { Message } from '@roomcast/protocol';

export type Entry =
  | { kind: 'message'; message: Message; mine: boolean }
  | { kind: 'notice'; text: string; at: number; tone: 'info' | 'warn' };

// Enough history to scroll back through; bounded so a long-open tab does not grow forever.
const MAX_ENTRIES = 500;

/** What the page remembers per room: its log and how many entries arrived while it was not shown. */
export class ChatState {
  active: string | undefined;
  private readonly logs = new Map<string, Entry[]>();
  private readonly unread = new Map<string, number>();

  /** Adds an entry; true when it belongs to the room on screen. */
  add(room: string, entry: Entry): boolean {
    let log = this.logs.get(room);
    if (!log) {
      log = [];
      this.logs.set(room, log);
    }
    log.push(entry);
    if (log.length > MAX_ENTRIES) log.splice(0, log.length - MAX_ENTRIES);
    if (room === this.active) return true;
    if (entry.kind === 'message') this.unread.set(room, (this.unread.get(room) ?? 0) + 1);
    return false;
  }

  entries(room: string): readonly Entry[] {
    return this.logs.get(room) ?? [];
  }

  unreadCount(room: string): number {
    return this.unread.get(room) ?? 0;
  }

  totalUnread(): number {
    let total = 0;
    for (const n of this.unread.values()) total += n;
    return total;
  }

  activate(room: string | undefined): void {
    this.active = room;
    if (room) this.unread.delete(room);
  }

  forget(room: string): void {
    this.logs.delete(room);
    this.unread.delete(room);
  }

  clear(): void {
    this.logs.clear();
    this.unread.clear();
    this.active = undefined;
  }
}
