import type { SessionLog } from '../wire.js';
import { type Interval, membershipIntervals, status, type Window } from './intervals.js';
import type { Violations } from './violations.js';

interface SentMessage extends Window {
  mid: string;
  room: string;
  seq: number | undefined;
  sender: SessionLog;
}

interface PresenceEvent extends Window {
  kind: 'joined' | 'left';
  room: string;
  subject: SessionLog;
}

export interface VerifyOptions {
  /** The server's PRESENCE_GRACE_MS: a closed connection's `user:left` may come that much later. */
  presenceGraceMs?: number;
  /**
   * Several nodes: an event reaches the other nodes a little after the request that caused it was
   * answered, so a member that leaves (or joins) within this time of it may or may not see it.
   */
  propagationMs?: number;
}

/** How long an event may take to reach another node of a cluster before the verifier calls it missing. */
export const NODE_PROPAGATION_MS = 1000;

const name = (s: SessionLog) => `client ${s.client} (${s.clientId ?? '?'}, connection ${s.key.split('.')[1]})`;

/**
 * The global rules, from every connection's log: each message reaches exactly the members of
 * its room, once and in order; presence reaches every other member and nobody else. Where the
 * timing leaves it open whether a connection was a member (a join or leave in flight), either
 * outcome is accepted; everything else must be exact.
 */
export function verifyLogs(
  logs: readonly SessionLog[],
  v: Violations,
  options: VerifyOptions = {},
): { messages: number; presence: number; seqRestarts: number } {
  const spread = options.propagationMs ?? 0;
  const byId = new Map<string, SessionLog>();
  const intervals = new Map<SessionLog, Map<string, Interval[]>>();
  const membersOf = new Map<string, Set<SessionLog>>();
  const messages = new Map<string, SentMessage>();
  const presence: PresenceEvent[] = [];

  for (const log of logs) {
    if (log.clientId) byId.set(log.clientId, log);
    const perRoom = new Map<string, Interval[]>();
    for (const i of membershipIntervals(log, options.presenceGraceMs)) {
      perRoom.set(i.room, [...(perRoom.get(i.room) ?? []), i]);
      if (!membersOf.has(i.room)) membersOf.set(i.room, new Set());
      membersOf.get(i.room)?.add(log);
      presence.push({ kind: 'joined', room: i.room, subject: log, lo: i.startLo, hi: i.startHi + spread });
      if (Number.isFinite(i.endLo))
        presence.push({ kind: 'left', room: i.room, subject: log, lo: i.endLo, hi: i.endHi + spread });
    }
    intervals.set(log, perRoom);
    for (const r of log.requests) {
      // Refused sends (probes included) must reach nobody: their mids stay unknown, so any receipt is misrouted.
      if (r.event !== 'send' || !r.mid || r.reply === 'error') continue;
      const hi = (r.t1 ?? Infinity) + spread;
      messages.set(r.mid, { mid: r.mid, room: r.room, seq: r.seq, sender: log, lo: r.t0, hi });
    }
  }

  const statusOf = (log: SessionLog, room: string, w: Window) => status(intervals.get(log)?.get(room) ?? [], w);

  // What each connection received, checked frame by frame.
  const receipts = new Map<SessionLog, Map<string, number>>();
  const presenceSeen = new Map<string, number>();
  // Not a violation (order holds within each membership), but worth knowing: a room that emptied
  // started its seq again, so a member who came back saw seqs go backwards.
  let seqRestarts = 0;
  for (const log of logs) {
    const got = new Map<string, number>();
    receipts.set(log, got);
    const lastSeq = new Map<Interval, number>();
    for (const f of log.frames) {
      if (f.k === 'welcome') continue;
      if (f.k !== 'msg') {
        if (f.user === log.clientId) continue; // reported by the connection itself
        const key = `${log.key}|${f.k}|${f.room}|${f.user}`;
        presenceSeen.set(key, (presenceSeen.get(key) ?? 0) + 1);
        if (!byId.has(f.user)) {
          v.add('presence-only-to-members', `${name(log)} told "${f.k}" about unknown user ${f.user} in "${f.room}"`);
        }
        continue;
      }
      const m = messages.get(f.mid);
      if (!m || m.room !== f.room) {
        v.add('rooms-isolated', `${name(log)} received a message in "${f.room}" that no member sent there (${f.mid})`);
        continue;
      }
      const count = (got.get(f.mid) ?? 0) + 1;
      got.set(f.mid, count);
      if (count > 1) {
        v.add('delivery-once', `${name(log)} received seq ${f.seq} of "${f.room}" ${count} times`);
        continue;
      }
      if (statusOf(log, f.room, m) === 'forbidden') {
        v.add('rooms-isolated', `${name(log)} received seq ${f.seq} of "${f.room}" while not a member of it`);
        continue;
      }
      if (m.seq !== undefined && f.seq !== m.seq) {
        v.add('seq-consistent', `${name(log)} saw seq ${f.seq} for a message acknowledged as seq ${m.seq}`);
      }
      const interval = intervals
        .get(log)
        ?.get(f.room)
        ?.find((i) => i.startLo <= f.t && f.t <= i.endHi);
      if (!interval) continue;
      if (!lastSeq.has(interval)) {
        const before = [...lastSeq].filter(([i]) => i.room === f.room).map(([, seq]) => seq);
        if (before.length > 0 && f.seq <= Math.max(...before)) seqRestarts++;
      }
      const last = lastSeq.get(interval) ?? 0;
      if (f.seq < last) {
        v.add('delivery-in-order', `${name(log)} received seq ${f.seq} of "${f.room}" after seq ${last}`);
      } else lastSeq.set(interval, f.seq);
    }
  }

  // Every message to every member of its room.
  for (const m of messages.values()) {
    for (const member of membersOf.get(m.room) ?? []) {
      if (statusOf(member, m.room, m) !== 'required') continue;
      if (receipts.get(member)?.has(m.mid)) continue;
      const seq = `seq ${m.seq ?? '?'}`;
      const who = member === m.sender ? `its own message (${seq})` : `${seq} from ${name(m.sender)}`;
      v.add('delivery-complete', `${name(member)} never received ${who} in "${m.room}"`);
    }
  }

  // Presence to every other member, and to nobody else.
  const expected = new Map<string, { required: number; possible: number }>();
  for (const p of presence) {
    if (!p.subject.clientId) continue;
    for (const member of membersOf.get(p.room) ?? []) {
      if (member === p.subject) continue;
      const s = statusOf(member, p.room, p);
      if (s === 'forbidden') continue;
      const key = `${member.key}|${p.kind}|${p.room}|${p.subject.clientId}`;
      const e = expected.get(key) ?? { required: 0, possible: 0 };
      e.possible++;
      if (s === 'required') e.required++;
      expected.set(key, e);
    }
  }
  // A room over the server's presence-events limit announces nothing while it is: where any
  // welcome said so, presence there may come or not, but never more often than it could.
  const quiet = new Set(logs.flatMap((l) => l.quietRooms ?? []));
  const byKey = new Map(logs.map((l) => [l.key, l]));
  for (const [key, e] of expected) {
    const seen = presenceSeen.get(key) ?? 0;
    const [member, kind, room, user] = key.split('|');
    if (quiet.has(room ?? '')) continue;
    const who = `${name(byKey.get(member ?? '') as SessionLog)}`;
    if (seen < e.required) {
      v.add('presence-to-others', `${who} was not told "user:${kind}" for ${user} in "${room}"`, e.required - seen);
    }
  }
  for (const [key, seen] of presenceSeen) {
    const e = expected.get(key) ?? { required: 0, possible: 0 };
    if (seen > e.possible) {
      const [member, kind, room, user] = key.split('|');
      v.add(
        'presence-only-to-members',
        `${name(byKey.get(member ?? '') as SessionLog)} was told "user:${kind}" for ${user} in "${room}" ${seen} times, expected at most ${e.possible}`,
        seen - e.possible,
      );
    }
  }
  return { messages: messages.size, presence: presence.length, seqRestarts };
}
