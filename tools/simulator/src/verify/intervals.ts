import type { SessionLog } from '../wire.js';

/**
 * When a connection was a member of a room, as the client saw it: the server made it a member
 * somewhere in [startLo, startHi] (request sent .. ack received) and removed it somewhere in
 * [endLo, endHi]. Infinity: not (yet) known to have happened.
 */
export interface Interval {
  session: SessionLog;
  room: string;
  startLo: number;
  startHi: number;
  endLo: number;
  endHi: number;
}

/** A server-side event that happened somewhere in [lo, hi]. */
export interface Window {
  lo: number;
  hi: number;
}

export type Status = 'required' | 'forbidden' | 'maybe';

/** The server may remove a closed connection a little after the client saw the close. */
export const CLOSE_GRACE_MS = 2000;

/**
 * `presenceGraceMs`: the server announces a closed connection's departure only after this grace
 * (its PRESENCE_GRACE_MS), so the departure may come that much later.
 */
export function membershipIntervals(log: SessionLog, presenceGraceMs = 0): Interval[] {
  const out: Interval[] = [];
  const open = new Map<string, Interval>();
  const start = (room: string, lo: number, hi: number) => {
    if (open.has(room)) return;
    const interval = { session: log, room, startLo: lo, startHi: hi, endLo: Infinity, endHi: Infinity };
    open.set(room, interval);
    out.push(interval);
  };
  const end = (room: string, lo: number, hi: number) => {
    const interval = open.get(room);
    if (!interval) return;
    interval.endLo = lo;
    interval.endHi = hi;
    open.delete(room);
  };
  if (log.tWelcome === undefined) return out;
  for (const room of log.welcomeRooms) start(room, log.tConnect, log.tWelcome);
  for (const r of log.requests) {
    if (r.event === 'send') continue;
    // No reply: the change may or may not have happened; leave it unknowable.
    const hi = r.reply === undefined ? Infinity : (r.t1 ?? Infinity);
    if (r.reply === 'error') continue;
    if (r.event === 'join') start(r.room, r.t0, hi);
    else end(r.room, r.t0, hi);
  }
  if (log.tClosed !== undefined || log.tCloseIssued !== undefined) {
    // A close the server started (no tCloseIssued) happened at some point before the client saw it.
    const lo = log.tCloseIssued ?? log.tWelcome;
    const hi = (log.tClosed ?? Infinity) + CLOSE_GRACE_MS + presenceGraceMs;
    for (const room of [...open.keys()]) end(room, lo, hi);
  }
  return out;
}

/** Whether a member of these intervals must, must not, or may see an event that happened in `w`. */
export function status(intervals: readonly Interval[], w: Window): Status {
  let overlaps = false;
  for (const i of intervals) {
    if (i.startHi < w.lo && w.hi < i.endLo) return 'required';
    if (!(w.hi < i.startLo || w.lo > i.endHi)) overlaps = true;
  }
  return overlaps ? 'maybe' : 'forbidden';
}
