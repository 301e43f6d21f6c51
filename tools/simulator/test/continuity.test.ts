import { describe, expect, it } from 'vitest';
import { ResumeState, RoomContinuity } from '../src/resume-state.js';

describe('RoomContinuity: one unbroken run of seqs from the join', () => {
  it('accepts the run from the position after the join, and nothing is missing through its end', () => {
    const c = new RoomContinuity('e1', 4);
    expect([5, 6, 7].map((s) => c.record(s))).toEqual(['ok', 'ok', 'ok']);
    expect(c.missing(7)).toEqual([]);
    expect(c.missing(9)).toEqual([8, 9]);
    expect(c.position).toEqual({ epoch: 'e1', seq: 7 });
    expect(c.received).toBe(3);
  });

  it('names a gap, a late arrival, a repeat and an old seq', () => {
    const c = new RoomContinuity('e1', 0);
    expect(c.record(1)).toBe('ok');
    expect(c.record(4)).toBe('gap');
    expect(c.missing(4)).toEqual([2, 3]);
    expect(c.record(3)).toBe('out-of-order');
    expect(c.record(3)).toBe('duplicate');
    expect(c.record(1)).toBe('duplicate');
    expect(c.missing(5)).toEqual([2, 5]);
    expect([c.received, c.duplicated, c.outOfOrder]).toEqual([3, 2, 1]);
  });

  it('a seq at or before the join position was never owed: seeing it is a repeat', () => {
    const c = new RoomContinuity('e1', 10);
    expect(c.record(10)).toBe('duplicate');
  });
});

describe('ResumeState', () => {
  it('offers the positions a resume presents, per room', () => {
    const s = new ResumeState();
    s.rooms.set('a', new RoomContinuity('x', 3));
    s.rooms.set('b', new RoomContinuity('y', 0));
    s.rooms.get('a')?.record(4);
    expect(s.positions()).toEqual({ a: { epoch: 'x', seq: 4 }, b: { epoch: 'y', seq: 0 } });
  });
});
