import { describe, expect, it } from 'vitest';
import { type Interval, membershipIntervals, status } from '../src/verify/intervals.js';
import { verifyLogs } from '../src/verify/log-verifier.js';
import { Violations } from '../src/verify/violations.js';
import type { SessionLog } from '../src/wire.js';

const session = (over: Partial<SessionLog>): SessionLog => ({
  key: 'c0.0',
  client: 0,
  room: 'a',
  clientId: 'A',
  tConnect: 0,
  tWelcome: 10,
  welcomeRooms: ['a'],
  frames: [],
  requests: [],
  ...over,
});

describe('membership windows', () => {
  const [a] = membershipIntervals(
    session({ requests: [{ event: 'leave', room: 'a', t0: 100, t1: 110, reply: 'ack' }] }),
  ) as [Interval];

  it('requires what happened entirely inside, forbids what happened entirely outside', () => {
    expect(status([a], { lo: 20, hi: 30 })).toBe('required');
    expect(status([a], { lo: 120, hi: 130 })).toBe('forbidden');
    // Overlapping the leave in flight: either outcome is correct.
    expect(status([a], { lo: 95, hi: 105 })).toBe('maybe');
  });
});

describe('the log verifier', () => {
  it('counts a message that one member never got, and a copy that reached a non-member', () => {
    const sender = session({
      requests: [{ event: 'send', room: 'a', t0: 20, t1: 25, reply: 'ack', seq: 1, mid: 'm1' }],
      frames: [{ k: 'msg', t: 22, room: 'a', seq: 1, mid: 'm1', from: 'A' }],
    });
    const member = session({ key: 'c1.0', client: 1, clientId: 'B', tWelcome: 5 });
    const outsider = session({
      key: 'c2.0',
      client: 2,
      clientId: 'C',
      room: 'b',
      welcomeRooms: ['b'],
      frames: [{ k: 'msg', t: 23, room: 'a', seq: 1, mid: 'm1', from: 'A' }],
    });
    const v = new Violations();
    verifyLogs([sender, member, outsider], v);
    expect(v.counts['delivery-complete']).toBe(1);
    expect(v.counts['rooms-isolated']).toBe(1);
    expect(v.examples['delivery-complete']?.[0]).toMatch(/client 1 .* never received seq 1/);
  });

  it('requires presence in a room unless a welcome said the room is over the presence-events limit', () => {
    const ann = session({ tWelcome: 10 });
    const bob = (quiet: boolean) =>
      session({
        key: 'c1.0',
        client: 1,
        clientId: 'B',
        tConnect: 40,
        tWelcome: 50,
        ...(quiet ? { quietRooms: ['a'] } : {}),
      });
    const told = new Violations();
    verifyLogs([ann, bob(false)], told);
    expect(told.counts['presence-to-others']).toBe(1);
    const quiet = new Violations();
    verifyLogs([ann, bob(true)], quiet);
    expect(quiet.counts['presence-to-others']).toBeUndefined();
    expect(quiet.total).toBe(0);
  });

  it('accepts a seq that starts again in a new membership, and counts it as a restart', () => {
    const frames = [
      { k: 'msg' as const, t: 20, room: 'a', seq: 1, mid: 'm1', from: 'A' },
      { k: 'msg' as const, t: 30, room: 'a', seq: 2, mid: 'm2', from: 'A' },
      { k: 'msg' as const, t: 80, room: 'a', seq: 1, mid: 'm3', from: 'A' },
    ];
    const requests = [
      { event: 'send' as const, room: 'a', t0: 19, t1: 21, reply: 'ack' as const, seq: 1, mid: 'm1' },
      { event: 'send' as const, room: 'a', t0: 29, t1: 31, reply: 'ack' as const, seq: 2, mid: 'm2' },
      { event: 'leave' as const, room: 'a', t0: 40, t1: 41, reply: 'ack' as const },
      { event: 'join' as const, room: 'a', t0: 60, t1: 61, reply: 'ack' as const },
      { event: 'send' as const, room: 'a', t0: 79, t1: 81, reply: 'ack' as const, seq: 1, mid: 'm3' },
    ];
    const v = new Violations();
    const out = verifyLogs([session({ frames, requests })], v);
    expect(v.total).toBe(0);
    expect(out.seqRestarts).toBe(1);
  });
});
