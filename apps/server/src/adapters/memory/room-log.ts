import { randomBytes } from 'node:crypto';
import type { Message, StreamPosition } from '@roomcast/protocol';
import type { HistoryResult } from '../adapter.js';

export const newEpoch = (): string => randomBytes(6).toString('base64url');

/** Rough bytes a message holds in memory, for the history byte cap. */
export const messageBytes = (m: Message): number => 160 + 2 * (m.text.length + (m.clientMsgId?.length ?? 0));

/**
 * One room's counter and bounded history in this process: the last `capacity` messages in a
 * ring. A new log is a new epoch: a room whose log was retired starts a new life.
 */
export class RoomLog {
  readonly epoch = newEpoch();
  seq = 0;
  bytes = 0;
  private ring: (Message | undefined)[];
  private start = 0;
  private size = 0;

  constructor(private readonly capacity: number) {
    this.ring = new Array(capacity);
  }

  get position(): StreamPosition {
    return { epoch: this.epoch, seq: this.seq };
  }

  /** The oldest seq still held (seq + 1 when none is). */
  get oldest(): number {
    return this.size === 0 ? this.seq + 1 : (this.ring[this.start] as Message).seq;
  }

  append(draft: Omit<Message, 'seq'>, floor: number): Message {
    this.seq = Math.max(this.seq, floor) + 1;
    const message = { ...draft, seq: this.seq } as Message;
    if (this.capacity === 0) return message;
    if (this.size === this.capacity) this.dropOldest();
    this.ring[(this.start + this.size) % this.capacity] = message;
    this.size++;
    this.bytes += messageBytes(message);
    return message;
  }

  /** Frees the oldest message; false when there is none. */
  dropOldest(): boolean {
    if (this.size === 0) return false;
    const old = this.ring[this.start] as Message;
    this.ring[this.start] = undefined;
    this.start = (this.start + 1) % this.capacity;
    this.size--;
    this.bytes -= messageBytes(old);
    return true;
  }

  history(since: StreamPosition, limit: number): HistoryResult {
    const position = this.position;
    const sameLife = since.epoch === this.epoch;
    const from = sameLife ? since.seq + 1 : 1;
    const kept: Message[] = [];
    for (let i = 0; i < this.size; i++) {
      const m = this.ring[(this.start + i) % this.capacity] as Message;
      if (m.seq >= from) kept.push(m);
    }
    const messages = kept.slice(Math.max(0, kept.length - limit));
    const firstKept = messages[0]?.seq ?? this.seq + 1;
    if (sameLife && since.seq <= this.seq && firstKept <= from) return { recovered: true, messages, position };
    // A hole before what is left: say exactly what is gone. Another life of the room: what its old
    // life said after `since` is unknown, and the range may be empty (from > to).
    const missingFrom = sameLife ? since.seq + 1 : Math.min(since.seq + 1, firstKept);
    return { recovered: false, messages, position, missing: { from: missingFrom, to: firstKept - 1 } };
  }
}
