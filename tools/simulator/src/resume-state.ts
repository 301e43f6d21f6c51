import type { StreamPosition } from '@roomcast/protocol';

/**
 * One client's view of one room across all its connections: the room's epoch and every seq
 * since it joined. Exactly once and in order means the seqs arrive as one unbroken run from the
 * join's position; anything else is named.
 */
export class RoomContinuity {
  /** Seqs skipped over so far and not (yet) arrived late. */
  private readonly holes = new Set<number>();
  last: number;
  received = 0;
  duplicated = 0;
  outOfOrder = 0;

  constructor(
    readonly epoch: string,
    /** The position the client joined at: every later seq must arrive. */
    readonly joinedAt: number,
  ) {
    this.last = joinedAt;
  }

  record(seq: number): 'ok' | 'duplicate' | 'out-of-order' | 'gap' {
    if (seq === this.last + 1) {
      this.last = seq;
      this.received++;
      return 'ok';
    }
    if (seq > this.last) {
      // Bounded: a gap this large is reported, not remembered seq by seq.
      for (let s = this.last + 1; s < seq && this.holes.size < 100_000; s++) this.holes.add(s);
      this.last = seq;
      this.received++;
      return 'gap';
    }
    if (this.holes.delete(seq)) {
      this.received++;
      this.outOfOrder++;
      return 'out-of-order';
    }
    this.duplicated++;
    return 'duplicate';
  }

  /** Seqs up to `through` that never arrived. */
  missing(through: number): number[] {
    const out = [...this.holes].filter((s) => s <= through).sort((a, b) => a - b);
    for (let s = this.last + 1; s <= through && out.length < 100_000; s++) out.push(s);
    return out;
  }

  get position(): StreamPosition {
    return { epoch: this.epoch, seq: this.last };
  }
}

/** What a client keeps between connections to resume: the newest token and where it stands per room. */
export class ResumeState {
  token: string | undefined;
  clientId: string | undefined;
  readonly rooms = new Map<string, RoomContinuity>();
  /** When the current connection was lost (shared clock), until it is welcomed back. */
  droppedAt: number | undefined;
  /** The last drop was of a node that was killed: its presence may legitimately change. */
  nodeKilled = false;

  positions(): Record<string, StreamPosition> {
    return Object.fromEntries([...this.rooms].map(([room, c]) => [room, c.position]));
  }
}
