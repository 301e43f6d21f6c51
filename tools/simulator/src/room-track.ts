/** Constant-memory delivery checks for one connection in one room: which seqs arrived, in what order. */
export class RoomTrack {
  private seen = new Uint8Array(128);
  max = 0;
  count = 0;

  /** Records a delivery; says whether it was new, a duplicate, or behind an earlier seq. */
  record(seq: number): 'ok' | 'duplicate' | 'out-of-order' {
    const byte = seq >>> 3;
    if (byte >= this.seen.length) {
      const grown = new Uint8Array(Math.max(byte + 1, this.seen.length * 2));
      grown.set(this.seen);
      this.seen = grown;
    }
    const bit = 1 << (seq & 7);
    if ((this.seen[byte] ?? 0) & bit) return 'duplicate';
    this.seen[byte] = (this.seen[byte] ?? 0) | bit;
    this.count++;
    const behind = seq < this.max;
    if (seq > this.max) this.max = seq;
    return behind ? 'out-of-order' : 'ok';
  }

  has(seq: number): boolean {
    return (((this.seen[seq >>> 3] ?? 0) >> (seq & 7)) & 1) === 1;
  }

  /** Seqs in `expected` that never arrived. */
  missing(expected: readonly number[]): number[] {
    return expected.filter((seq) => !this.has(seq));
  }

  /** Forgets what arrived (a new measurement step) but keeps the order reference. */
  reset(): void {
    this.seen.fill(0);
    this.count = 0;
  }
}
