import { encodeServerEvent, type Message, type Recovery, type StreamPosition, type User } from '@roomcast/protocol';
import type { Adapter, AdapterSink, Member, PresenceChange } from '../adapters/adapter.js';
import type { Metrics } from '../metrics.js';
import type { Connection } from './connection.js';
import { textFrame, type WireFrame } from './frame.js';
import { firstMembers, type MemberPage, memberPage } from './member-page.js';
import { PresenceDiffs } from './presence-diff.js';
import { RoomState } from './room-state.js';

export interface HubOptions {
  maxRoomsPerConnection: number;
  /** How long a dropped connection stays present, so a quick resume causes no left/joined pair. */
  presenceGraceMs: number;
  /** How long a resume token stays usable after its connection dropped. */
  resumeWindowMs: number;
  /** Most messages replayed to one room on resume or `join` with `since`. */
  replayLimit: number;
  /** How long an ack waits for its own message to come back through the broker before asking history. */
  deliveryWaitMs?: number;
  /** Rooms with more members get no join/leave events (PRESENCE_EVENTS_MAX_MEMBERS); unset: no limit. */
  presenceEventsMaxMembers?: number;
  /** Most members a welcome or join ack lists per room (MEMBER_LIST_MAX); unset: all. */
  memberListMax?: number;
  /** Window of presence:diff frames (PRESENCE_DIFF_MS). */
  presenceDiffMs?: number;
}

export type JoinOutcome =
  | {
      ok: true;
      members: User[];
      /** Members of the room across the cluster; `members` lists at most memberListMax of them. */
      memberCount: number;
      /** False while the room is over the presence-events limit: joins and leaves go unannounced. */
      presenceEvents: boolean;
      position: StreamPosition;
      recovery?: Recovery;
      /** Lets the room's held traffic (and any replay) through; call once the answer is written. */
      release: () => void;
    }
  | { ok: false; code: 'too_many_rooms'; limit: number };

/** How a presence entry looks on the wire: `clientId` only where it differs from the user id. */
export const wireUser = (m: Member): User =>
  m.clientId === m.id ? { id: m.id, name: m.name } : { id: m.id, name: m.name, clientId: m.clientId };

const presenceFrame = (room: string, change: PresenceChange, user: User) =>
  encodeServerEvent(change === 'joined' ? 'user:joined' : 'user:left', { room, user });

/**
 * This node's connections and room membership, and the fan-out hot path. Messages reach local
 * members only from the broker's stream, in `seq` order, this node's own included; presence
 * made here is delivered here at once and announced to the other nodes through the broker.
 */
export class Hub implements AdapterSink {
  private readonly conns = new Map<string, Connection>();
  private readonly rooms = new Map<string, RoomState>();
  private readonly graces = new Set<ReturnType<typeof setTimeout>>();
  private readonly deliveryWaitMs: number;
  private readonly diffs: PresenceDiffs;

  constructor(
    readonly adapter: Adapter,
    private readonly metrics: Metrics,
    private readonly options: HubOptions,
  ) {
    this.deliveryWaitMs = options.deliveryWaitMs ?? 2000;
    this.diffs = new PresenceDiffs(options.presenceDiffMs ?? 100, (room, joined, left) =>
      this.flushDiff(room, joined, left),
    );
  }

  /** The connection gets presence:diff frames instead of user:joined/user:left (asked for in its handshake). */
  wantDiffs(conn: Connection): void {
    this.diffs.optIn(conn);
  }

  takesDiffs(conn: Connection): boolean {
    return this.diffs.wants(conn);
  }

  get connections(): ReadonlyMap<string, Connection> {
    return this.conns;
  }

  start(): Promise<void> {
    return this.adapter.start(this);
  }

  private owner(conn: Connection): string {
    return `${this.adapter.node}/${conn.serial}`;
  }

  add(conn: Connection): void {
    if (conn.closed) return;
    // The same client resuming while its old socket still looks open here: the new one wins.
    const old = this.conns.get(conn.id);
    if (old && old !== conn) old.close('going_away', undefined, 0);
    this.conns.set(conn.id, conn);
    this.metrics.connections.set(this.conns.size);
  }

  /** A closed connection leaves its rooms here at once; the others hear of it after the grace. */
  remove(conn: Connection): void {
    conn.closed = true;
    if (this.conns.get(conn.id) === conn) {
      this.conns.delete(conn.id);
      this.metrics.connections.set(this.conns.size);
    }
    const rooms = [...conn.rooms];
    for (const room of rooms) this.detach(conn, room);
    if (rooms.length === 0) return;
    this.saveSession(conn, rooms);
    const goodbye = () => {
      for (const room of rooms) void this.depart(conn, room);
    };
    if (this.options.presenceGraceMs <= 0) {
      goodbye();
      return;
    }
    const timer = setTimeout(() => {
      this.graces.delete(timer);
      goodbye();
    }, this.options.presenceGraceMs);
    this.graces.add(timer);
  }

  roomNames(): { room: string; members: number }[] {
    return [...this.rooms].map(([room, state]) => ({ room, members: state.members.size }));
  }

  /** Every member of a room across the cluster. */
  async members(room: string): Promise<User[]> {
    return (await this.adapter.presence.list(room)).map(wireUser);
  }

  /** One page of a room's members across the cluster, in a stable order (see member-page.ts). */
  async memberPage(room: string, cursor: string | undefined, limit: number): Promise<MemberPage> {
    return memberPage(await this.adapter.presence.list(room), cursor, limit);
  }

  /** Whether a room of this many members (the one joining or leaving counted) has its joins and leaves announced. */
  private announced(size: number): boolean {
    return size <= (this.options.presenceEventsMaxMembers ?? Number.POSITIVE_INFINITY);
  }

  /**
   * Adds a connection to a room. From the moment it is a local member its room traffic is held,
   * so the answer (ack or welcome) goes out first, then any replay, then live traffic: no gap, no
   * duplicate. `user:joined` of members the answer already lists are dropped from what was held.
   */
  async join(conn: Connection, room: string, since?: StreamPosition): Promise<JoinOutcome> {
    if (conn.rooms.has(room)) return this.answer(conn, room);
    if (conn.rooms.size >= this.options.maxRoomsPerConnection) return this.tooMany();
    const state = await this.enter(room);
    try {
      if (conn.rooms.has(room) || conn.closed) return await this.answer(conn, room);
      if (conn.rooms.size >= this.options.maxRoomsPerConnection) return this.tooMany();
      conn.hold(room);
      state.members.add(conn);
      conn.rooms.add(room);
      const position = state.position;
      try {
        const existed = await this.adapter.presence.add(room, conn.member, this.owner(conn));
        const listed = await this.adapter.presence.list(room);
        const replay = since ? await this.replay(room, since, position) : undefined;
        const presenceEvents = this.announced(listed.length);
        // A resume within the grace took its entry back: nobody saw it leave, nobody sees it join.
        if (!existed && presenceEvents) this.announce(room, 'joined', conn);
        this.saveSession(conn);
        const ids = new Set(listed.map((m) => m.clientId));
        return {
          ok: true,
          members: this.listed(listed, conn),
          memberCount: listed.length,
          presenceEvents,
          position,
          ...(replay ? { recovery: replay.recovery } : {}),
          release: () => conn.release(room, replay?.frames, ids),
        };
      } catch (err) {
        this.detach(conn, room);
        conn.release(room);
        throw err;
      }
    } finally {
      state.joining--;
    }
  }

  /** Returns false when the connection was not in the room. */
  async leave(conn: Connection, room: string): Promise<boolean> {
    if (!conn.rooms.has(room)) return false;
    this.detach(conn, room);
    this.saveSession(conn);
    await this.depart(conn, room);
    return true;
  }

  /** Sequences a message through the broker; resolves once this node delivered it to its members. */
  async publish(room: string, draft: Omit<Message, 'seq'>, source: 'ws' | 'http'): Promise<Message> {
    const floor = this.rooms.get(room)?.lastSeq ?? 0;
    const { message } = await this.adapter.broker.publish(room, draft, floor);
    this.metrics.messages.inc({ source });
    const state = this.rooms.get(room);
    // In memory the broker delivered it before answering: no wait to set up.
    if (state && state.lastSeq < message.seq) await this.delivered(state, message.seq);
    return message;
  }

  /** Members of a room across the cluster, counted without listing them. */
  recipients(room: string): Promise<number> {
    return this.adapter.presence.count(room);
  }

  onMessage(message: Message, epoch: string): void {
    const state = this.rooms.get(message.room);
    if (!state) return;
    if (!state.isReady) {
      state.skip(message, epoch);
      return;
    }
    if (state.ahead) {
      state.ahead.push(message);
      return;
    }
    if (message.seq <= state.lastSeq) {
      this.metrics.dropped.inc({ reason: 'duplicate' });
      return;
    }
    // A gap in the same life of the room: something was lost on the way; fetch it from history.
    if (epoch === state.epoch && message.seq > state.lastSeq + 1) {
      state.ahead = [message];
      void this.fill(state);
      return;
    }
    state.epoch = epoch;
    this.deliver(state, message);
  }

  onPresence(room: string, change: PresenceChange, member: Member): void {
    const state = this.rooms.get(room);
    if (state) this.tell(state, change, wireUser(member), member.clientId);
  }

  /** Closes every connection (shutdown); their close handlers then remove them. */
  closeAll(): void {
    for (const conn of this.conns.values()) conn.close('going_away');
  }

  /** Stops pending goodbyes: a node going away leaves its members to the cluster's expiry. */
  close(): void {
    for (const timer of this.graces) clearTimeout(timer);
    this.graces.clear();
    this.diffs.close();
  }

  /** Looks up a resume token: the identity and rooms to restore, or undefined when it is unknown or expired. */
  resume(token: string) {
    return this.adapter.sessions.take(token);
  }

  saveSession(conn: Connection, rooms = [...conn.rooms]): void {
    if (!conn.resumeToken) return;
    const session = { clientId: conn.id, user: conn.member, rooms };
    this.adapter.sessions
      .save(conn.resumeToken, session, this.options.resumeWindowMs)
      .catch(() => this.metrics.dropped.inc({ reason: 'adapter' }));
  }

  private tooMany(): JoinOutcome {
    return { ok: false, code: 'too_many_rooms', limit: this.options.maxRoomsPerConnection };
  }

  /** The answer to a join of a room the connection is already in: members and position, nothing announced. */
  private async answer(conn: Connection, room: string): Promise<JoinOutcome> {
    const listed = await this.adapter.presence.list(room);
    const position = this.rooms.get(room)?.position ?? (await this.adapter.broker.position(room));
    const members = this.listed(listed, conn);
    const count = listed.length;
    return {
      ok: true,
      members,
      memberCount: count,
      presenceEvents: this.announced(count),
      position,
      release: () => {},
    };
  }

  /** What a welcome or join ack lists: capped at memberListMax, the connection itself always in. */
  private listed(listed: Member[], conn: Connection): User[] {
    const max = this.options.memberListMax ?? listed.length;
    return (listed.length > max ? firstMembers(listed, conn.id, max) : listed).map(wireUser);
  }

  /** The room's state here, subscribed; the first local member's join waits for the subscription. */
  private async enter(room: string): Promise<RoomState> {
    for (;;) {
      let state = this.rooms.get(room);
      if (!state) {
        const broker = this.adapter.broker;
        state = new RoomState(room, () => broker.subscribe(room).then(() => broker.position(room)));
        this.rooms.set(room, state);
        this.metrics.rooms.set(this.rooms.size);
      }
      state.joining++;
      try {
        await state.ready;
      } catch (err) {
        state.joining--;
        if (this.rooms.get(room) === state) this.drop(state);
        throw err;
      }
      if (this.rooms.get(room) === state) return state;
      state.joining--;
    }
  }

  private detach(conn: Connection, room: string): void {
    conn.rooms.delete(room);
    const state = this.rooms.get(room);
    if (!state?.members.delete(conn)) return;
    if (state.members.size === 0 && state.joining === 0) this.drop(state);
  }

  private drop(state: RoomState): void {
    this.rooms.delete(state.name);
    this.metrics.rooms.set(this.rooms.size);
    state.releaseWaiters();
    this.adapter.broker.unsubscribe(state.name).catch(() => this.metrics.dropped.inc({ reason: 'adapter' }));
  }

  /** Removes the connection's presence entry, unless a resume took it over, and says so while the room is small enough. */
  private async depart(conn: Connection, room: string): Promise<void> {
    try {
      if (!(await this.adapter.presence.remove(room, conn.id, this.owner(conn)))) return;
      const limited = this.options.presenceEventsMaxMembers !== undefined;
      if (!limited || this.announced((await this.adapter.presence.count(room)) + 1)) this.announce(room, 'left', conn);
    } catch {
      this.metrics.dropped.inc({ reason: 'adapter' });
    }
  }

  private announce(room: string, change: PresenceChange, conn: Connection): void {
    const state = this.rooms.get(room);
    if (state) this.tell(state, change, conn.user, conn.id, conn);
    this.adapter.broker
      .announce(room, change, conn.member)
      .catch(() => this.metrics.dropped.inc({ reason: 'adapter' }));
  }

  /**
   * A presence change to this node's members: a frame each for those on user:joined/user:left
   * (encoded once, only if one is needed), and into the room's next diff for those on diffs.
   */
  private tell(state: RoomState, change: PresenceChange, user: User, subject: string, except?: Connection): void {
    let frame: WireFrame | undefined;
    let sent = 0;
    let diffs = false;
    const joined = change === 'joined' ? subject : undefined;
    for (const conn of state.members) {
      if (conn === except) continue;
      if (this.diffs.wants(conn)) {
        diffs = true;
        continue;
      }
      frame ??= textFrame(presenceFrame(state.name, change, user));
      if (conn.deliver(state.name, frame, joined)) sent++;
    }
    this.metrics.framesOut.inc(sent);
    if (frame) this.metrics.fanout.observe(sent);
    if (diffs) this.diffs.add(state.name, change, subject, user);
  }

  /** One presence:diff to every member on diffs, encoded once. */
  private flushDiff(room: string, joined: User[], left: User[]): void {
    const state = this.rooms.get(room);
    if (!state) return;
    const frame = textFrame(encodeServerEvent('presence:diff', { room, joined, left }));
    let sent = 0;
    for (const conn of state.members) if (this.diffs.wants(conn) && conn.deliver(room, frame)) sent++;
    this.metrics.framesOut.inc(sent);
    this.metrics.fanout.observe(sent);
  }

  private async replay(room: string, since: StreamPosition, upTo: StreamPosition) {
    const history = await this.adapter.broker.history(room, since, this.options.replayLimit);
    // What came after the join's position arrives live, held behind the replay.
    const messages = history.messages.filter((m) => m.seq <= upTo.seq);
    const frames = messages.map((m) => encodeServerEvent('message', m));
    const recovery: Recovery = history.recovered
      ? { recovered: true, position: upTo }
      : { recovered: false, position: upTo, missing: history.missing };
    return { frames, recovery };
  }

  /** Waits for a published message to be delivered here; asks history if the broker's copy is late. */
  private async delivered(state: RoomState, seq: number): Promise<void> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const late = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, this.deliveryWaitMs);
    });
    await Promise.race([state.delivered(seq), late]);
    clearTimeout(timer);
    if (state.lastSeq < seq && this.rooms.get(state.name) === state && !state.ahead) {
      state.ahead = [];
      await this.fill(state);
    }
  }

  /** Delivers what history has after the last delivered seq, then what arrived meanwhile; counts any hole. */
  private async fill(state: RoomState): Promise<void> {
    let found: Message[] = [];
    try {
      found = (await this.adapter.broker.history(state.name, state.position, this.options.replayLimit)).messages;
    } catch {
      this.metrics.dropped.inc({ reason: 'adapter' });
    }
    const pending = [...found, ...(state.ahead ?? [])].sort((a, b) => a.seq - b.seq);
    state.ahead = undefined;
    for (const message of pending) {
      if (message.seq <= state.lastSeq) continue;
      const hole = message.seq - state.lastSeq - 1;
      if (hole > 0) this.metrics.dropped.inc({ reason: 'gap' }, hole);
      this.deliver(state, message);
    }
  }

  private deliver(state: RoomState, message: Message): void {
    this.fanout(state, encodeServerEvent('message', message));
    state.advance(message.seq);
  }

  /** The hot path: one encoding and one WebSocket frame per broadcast, shared by every recipient. */
  private fanout(state: RoomState, payload: string): number {
    let sent = 0;
    const frame = textFrame(payload);
    for (const conn of state.members) if (conn.deliver(state.name, frame)) sent++;
    this.metrics.framesOut.inc(sent);
    this.metrics.fanout.observe(sent);
    return sent;
  }
}
