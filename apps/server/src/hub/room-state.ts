import type { Message, StreamPosition } from '@roomcast/protocol';
import type { Connection } from './connection.js';

/**
 * A room as this node holds it: its local members and where its stream stands. Messages are
 * delivered in `seq` order only: `lastSeq` is the last one delivered here, and an ack waits for
 * its own message to have gone out (`delivered`).
 */
export class RoomState {
  readonly members = new Set<Connection>();
  epoch = '';
  lastSeq = 0;
  /** Joins under way; the room is not dropped while any is. */
  joining = 0;
  /** Messages that arrived ahead of a gap, while the gap is filled from history. */
  ahead: Message[] | undefined;
  private waiters: { seq: number; resolve: () => void }[] = [];
  readonly ready: Promise<void>;
  isReady = false;

  constructor(
    readonly name: string,
    subscribe: () => Promise<StreamPosition>,
  ) {
    this.ready = subscribe().then((p) => {
      // Messages that came in between the subscription and this read were noted by `skip`.
      if (p.seq >= this.lastSeq) {
        this.epoch = p.epoch;
        this.lastSeq = p.seq;
      }
      this.isReady = true;
    });
  }

  get position(): StreamPosition {
    return { epoch: this.epoch, seq: this.lastSeq };
  }

  /** Resolves once `seq` has been delivered here (or when this room is dropped). */
  delivered(seq: number): Promise<void> {
    if (seq <= this.lastSeq) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push({ seq, resolve }));
  }

  /** Before anyone here is a member, a message only moves the starting point. */
  skip(message: Message, epoch: string): void {
    if (message.seq <= this.lastSeq) return;
    this.lastSeq = message.seq;
    this.epoch = epoch;
  }

  advance(seq: number): void {
    this.lastSeq = seq;
    if (this.waiters.length === 0) return;
    const due = this.waiters.filter((w) => w.seq <= seq);
    this.waiters = this.waiters.filter((w) => w.seq > seq);
    for (const w of due) w.resolve();
  }

  /** Nobody here waits any more: the room was dropped. */
  releaseWaiters(): void {
    for (const w of this.waiters.splice(0)) w.resolve();
  }
}
