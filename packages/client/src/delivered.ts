import type { Message } from '@roomcast/protocol';

/** How many recent messages per room are remembered to recognise a re-sent copy. */
export const DEDUP_WINDOW = 1000;

/**
 * Messages with a clientMsgId already given to the application, per room, so a copy re-sent
 * after a reconnect is not delivered twice. Keyed by the sender's name, not `from.id`: today
 * `from.id` is the connection id, which changes when the sender reconnects and resends.
 */
export class Delivered {
  private readonly rooms = new Map<string, Set<string>>();

  /** Records the message; false when it is a copy of one already recorded. */
  first(message: Message): boolean {
    if (message.clientMsgId === undefined) return true;
    const key = JSON.stringify([message.from.name, message.clientMsgId]);
    let seen = this.rooms.get(message.room);
    if (!seen) {
      seen = new Set();
      this.rooms.set(message.room, seen);
    }
    if (seen.has(key)) return false;
    seen.add(key);
    // A Set iterates in insertion order: the first key is the oldest.
    if (seen.size > DEDUP_WINDOW) seen.delete(seen.values().next().value as string);
    return true;
  }

  forget(room: string): void {
    this.rooms.delete(room);
  }
}
