import {
  type AckResultMap,
  type ClientEventMap,
  type ClientEventName,
  clientValidators,
  decodeServerFrame,
  describeFailure,
  type ErrorEvent,
  type Message,
  type ProtocolError,
  protocolError,
  type Recovery,
  type ServerEventMap,
  tolerantAckResultValidators,
  type User,
  type Welcome,
} from '@roomcast/protocol';
import { Connection, type ConnectionState, type StateChange } from './connection.js';
import { Delivered } from './delivered.js';
import { Emitter } from './emitter.js';
import { RoomcastError } from './errors.js';
import { newClientMsgId } from './message-id.js';
import { type ClientOptions, type ResolvedOptions, resolveOptions } from './options.js';
import { Presence } from './presence.js';
import { type Pending, Requests } from './requests.js';

/** A frame from the server that failed the protocol schema; it was not acted on. */
export interface InvalidFrame {
  raw: unknown;
  error: ProtocolError;
}

/** The member list of one of the client's rooms changed. */
export interface PresenceUpdate {
  room: string;
  members: User[];
}

/** A room the client was in could not be joined again after a reconnect. */
export interface RejoinFailure {
  room: string;
  error: RoomcastError;
}

/** Everything `client.on(...)` can listen to; server events are typed straight from the protocol. */
export type RoomcastEvents = Pick<ServerEventMap, 'welcome' | 'message' | 'user:joined' | 'user:left' | 'error'> & {
  state: StateChange;
  invalid: InvalidFrame;
  presence: PresenceUpdate;
  rooms: string[];
  'rejoin:failed': RejoinFailure;
  /** How a room was caught up after a reconnect: `recovered: false` means messages were lost. */
  recovery: RoomRecovery;
  /** A copy of a message already delivered (same room, sender name and clientMsgId), not emitted as `message`. */
  duplicate: Message;
};

/** A room caught up after a reconnect (or a `join` with `since`). */
export interface RoomRecovery extends Recovery {
  room: string;
}

export interface CallOptions {
  /** Overrides the client's default timeout for this call. */
  timeoutMs?: number;
}

export interface SendOptions extends CallOptions {
  /**
   * Echoed back in the `message` every member receives, so a sender can recognise its own, and
   * used to drop a copy re-sent after a reconnect. Generated when omitted; if you pass one, make
   * it unique per sender and room (a UUID is what the client generates).
   */
  clientMsgId?: string;
}

/** The request id an `ack` or `error` frame claims to answer, read without trusting the rest. */
function replyId(raw: string): number | undefined {
  try {
    const frame = JSON.parse(raw) as { event?: unknown; data?: { id?: unknown } } | null;
    const id = frame?.data?.id;
    return (frame?.event === 'ack' || frame?.event === 'error') && Number.isInteger(id) ? (id as number) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * A typed Roomcast connection: calls resolve with their ack or reject with a RoomcastError,
 * server frames are validated before anyone sees them, and a lost connection comes back
 * with its rooms.
 */
export class RoomcastClient extends Emitter<RoomcastEvents> {
  private readonly options: ResolvedOptions;
  private readonly connection: Connection;
  private readonly requests: Requests;
  private readonly presence = new Presence();
  private readonly delivered = new Delivered();
  /** Rooms the server confirmed (or is rejoining); what a reconnect restores. */
  private readonly joined = new Set<string>();
  /** Last seq delivered per room, and the room's epoch: where a resume starts from. */
  private readonly seqs = new Map<string, number>();
  private readonly epochs = new Map<string, string>();
  private readonly recoveries = new Map<string, RoomRecovery>();
  private session: Welcome | undefined;
  private welcomes = 0;
  private awaitingWelcome = true;
  private name: string | undefined;

  constructor(options: ClientOptions) {
    super();
    this.options = resolveOptions(options);
    this.name = this.options.name;
    const { WebSocket, reconnect, connectTimeoutMs } = this.options;
    this.connection = new Connection(
      { url: () => this.url(), WebSocket, reconnect, connectTimeoutMs, random: Math.random },
      {
        frame: (data) => this.onFrame(data),
        dropped: () => this.onDropped(),
        state: (change) => this.onState(change),
      },
    );
    this.requests = new Requests((raw) => this.connection.send(raw), this.options.maxQueued);
    this.connection.start();
  }

  get state(): ConnectionState {
    return this.connection.state;
  }

  /** The latest welcome: this connection's id, name and initial rooms. */
  get welcome(): Welcome | undefined {
    return this.session;
  }

  /** Rooms this client is in (and will rejoin after a reconnect). */
  rooms(): string[] {
    return [...this.joined];
  }

  /**
   * Members of one of the client's rooms, the client included; empty for other rooms. In a room
   * larger than the server's MEMBER_LIST_MAX this is the first members listed plus those who came
   * since (see `memberCount` and `fetchMembers` for the whole room).
   */
  members(room: string): User[] {
    return this.presence.members(room);
  }

  /** How many members one of the client's rooms has, as of the last list and the changes since. */
  memberCount(room: string): number | undefined {
    return this.presence.count(room);
  }

  /** One page of any readable room's members, from the server; pass the page's `nextCursor` for the next. */
  fetchMembers(
    room: string,
    options: CallOptions & { cursor?: string; limit?: number } = {},
  ): Promise<AckResultMap['members']> {
    const { cursor, limit, ...call } = options;
    return this.call(
      'members',
      { room, ...(cursor !== undefined ? { cursor } : {}), ...(limit !== undefined ? { limit } : {}) },
      call,
    );
  }

  /** Last message seq received in a room. */
  lastSeq(room: string): number | undefined {
    return this.seqs.get(room);
  }

  /** How the room was caught up after the last reconnect; undefined before any. */
  recovery(room: string): RoomRecovery | undefined {
    return this.recoveries.get(room);
  }

  /** Resolves with the next welcome, or the current one when connected; rejects if the client closes first. */
  ready(): Promise<Welcome> {
    if (this.state === 'open' && this.session) return Promise.resolve(this.session);
    if (this.state === 'closed') return Promise.reject(new RoomcastError('closed'));
    return new Promise((resolve, reject) => {
      const offWelcome = this.once('welcome', (welcome) => {
        offState();
        resolve(welcome);
      });
      const offState = this.on('state', (change) => {
        if (change.state !== 'closed') return;
        offWelcome();
        offState();
        reject(change.error ?? new RoomcastError('closed'));
      });
    });
  }

  async join(room: string, options: CallOptions = {}): Promise<AckResultMap['join']> {
    this.presence.expect(room);
    try {
      return await this.call('join', { room }, options);
    } catch (err) {
      this.presence.cancel(room);
      throw err;
    }
  }

  leave(room: string, options: CallOptions = {}): Promise<AckResultMap['leave']> {
    return this.call('leave', { room }, options);
  }

  send(room: string, text: string, options: SendOptions = {}): Promise<AckResultMap['send']> {
    return this.call('send', { room, text, clientMsgId: options.clientMsgId ?? newClientMsgId() }, options);
  }

  /** Connects again after `closed`, or skips the wait before the next reconnect attempt. */
  connect(): void {
    this.connection.start();
  }

  /** Closes for good (until connect()); every pending call rejects with `closed`. */
  close(): void {
    this.connection.close();
  }

  private call<K extends ClientEventName>(
    event: K,
    data: ClientEventMap[K],
    options: CallOptions,
    internal = false,
  ): Promise<AckResultMap[K]> {
    const validator = clientValidators[event];
    if (!validator.Check(data)) {
      return Promise.reject(
        new RoomcastError('invalid_payload', `${event} ${describeFailure(validator, data, '/data')}`),
      );
    }
    const state = this.state;
    if (state === 'closed') return Promise.reject(new RoomcastError('closed'));
    if (state !== 'open' && !internal && this.options.offline === 'fail') {
      return Promise.reject(new RoomcastError('offline'));
    }
    const plan = {
      timeoutMs: options.timeoutMs ?? this.options.timeoutMs,
      offlineTimeoutMs: this.options.offlineTimeoutMs,
      // The client's own rejoins are redone by the next welcome instead.
      queue: !internal,
      resend: !internal && this.options.resendInFlight,
    };
    return this.requests.start(event, data, plan, state === 'open' || internal) as Promise<AckResultMap[K]>;
  }

  private url(): string | Promise<string> {
    const url = new URL(this.options.url);
    // Presence changes as one coalesced diff per room and interval; older servers ignore this.
    url.searchParams.set('presence', 'diff');
    if (this.name !== undefined) url.searchParams.set('name', this.name);
    const room = this.welcomes === 0 ? this.options.room : [...this.joined][0];
    if (room !== undefined) url.searchParams.set('room', room);
    // Coming back: ask for the same identity and rooms, and for what was missed since.
    const resume = this.session?.resumeToken;
    if (resume !== undefined) {
      url.searchParams.set('resume', resume);
      const positions = Object.fromEntries(
        [...this.joined].flatMap((r) => {
          const since = this.position(r);
          return since ? [[r, since]] : [];
        }),
      );
      url.searchParams.set('positions', JSON.stringify(positions));
    }
    const { token } = this.options;
    if (!token) return url.toString();
    return Promise.resolve()
      .then(token)
      .then(
        (value) => {
          url.searchParams.set('token', value);
          return url.toString();
        },
        (err: unknown) => {
          throw new RoomcastError('closed', `The token function failed: ${(err as Error)?.message ?? String(err)}`);
        },
      );
  }

  private position(room: string): { epoch: string; seq: number } | undefined {
    const epoch = this.epochs.get(room);
    return epoch === undefined ? undefined : { epoch, seq: this.seqs.get(room) ?? 0 };
  }

  /** Takes a room's position from a welcome or join ack; a replay, if any, follows it. */
  private place(room: string, position: { epoch: string; seq: number } | undefined, recovery?: Recovery): void {
    if (!position) return;
    const known = this.epochs.get(room);
    this.epochs.set(room, position.epoch);
    if (recovery) {
      // Another life of the room: its numbering starts over for this client.
      if (known !== undefined && known !== position.epoch) this.seqs.set(room, 0);
      const caught = { room, ...recovery };
      this.recoveries.set(room, caught);
      this.emit('recovery', caught);
    } else if (!this.seqs.has(room) || known !== position.epoch) {
      this.seqs.set(room, position.seq);
    }
  }

  private onFrame(raw: unknown): void {
    if (typeof raw !== 'string') {
      this.invalid(raw, protocolError('binary_unsupported', 'Binary frame; protocol v1 sends JSON text'));
      return;
    }
    const decoded = decodeServerFrame(raw);
    if (!decoded.ok) {
      this.invalid(raw, decoded.error);
      // A reply we cannot trust still ends its call, sooner than the timeout would.
      const id = replyId(raw);
      const pending = id === undefined ? undefined : this.requests.take(id);
      pending?.reject(new RoomcastError('invalid_frame', `Reply to ${pending.event}: ${decoded.error.message}`, id));
      return;
    }
    const frame = decoded.frame;
    if (frame.event === 'welcome') {
      this.onWelcome(raw, frame.data);
    } else if (this.awaitingWelcome) {
      this.invalid(raw, protocolError('invalid_payload', `"${frame.event}" arrived before the welcome`));
    } else if (frame.event === 'ack') {
      this.onAck(raw, frame.data.id, frame.data.result);
    } else if (frame.event === 'error') {
      this.onError(frame.data);
    } else if (frame.event === 'message') {
      // Never twice to the application, whatever a replay and live traffic overlap in.
      const { room, seq } = frame.data;
      if (seq <= (this.seqs.get(room) ?? 0)) return;
      this.seqs.set(room, seq);
      // A send re-sent after a drop whose first copy got through: a new seq, the same clientMsgId.
      this.emit(this.delivered.first(frame.data) ? 'message' : 'duplicate', frame.data);
    } else if (frame.event === 'presence:diff') {
      // Applied as the events it stands for, so the application sees what it always saw.
      const { room, joined, left } = frame.data;
      let tracked = false;
      for (const user of left) tracked = this.presence.change(room, 'left', user) || tracked;
      for (const user of joined) tracked = this.presence.change(room, 'joined', user) || tracked;
      if (tracked) this.emit('presence', { room, members: this.presence.members(room) });
      for (const user of left) if (!this.isSelf(user)) this.emit('user:left', { room, user });
      for (const user of joined) if (!this.isSelf(user)) this.emit('user:joined', { room, user });
    } else {
      const { room, user } = frame.data;
      if (this.presence.change(room, frame.event === 'user:joined' ? 'joined' : 'left', user)) {
        this.emit('presence', { room, members: this.presence.members(room) });
      }
      this.emit(frame.event, frame.data);
    }
  }

  /** A diff lists the room's changes for everyone in it, the recipient's own join included. */
  private isSelf(user: User): boolean {
    return (user.clientId ?? user.id) === this.session?.clientId;
  }

  private onWelcome(raw: string, welcome: Welcome): void {
    if (!this.awaitingWelcome) {
      this.invalid(raw, protocolError('invalid_payload', 'A second welcome'));
      return;
    }
    this.awaitingWelcome = false;
    const first = this.welcomes++ === 0;
    this.session = welcome;
    this.name = welcome.name;
    for (const [room, members] of Object.entries(welcome.members))
      this.presence.snapshot(room, members, welcome.memberCounts?.[room]);
    for (const room of welcome.rooms) this.place(room, welcome.positions?.[room], welcome.recovery?.[room]);
    const wanted = first ? new Set(welcome.rooms) : new Set(this.joined);
    // Joins waiting to go out (or to go out again): a resumed session may already be in the room.
    const joining = new Set(
      this.requests.waiting().flatMap((call) => (call.event === 'join' ? [(call.data as { room: string }).room] : [])),
    );
    for (const room of welcome.rooms) {
      if (wanted.has(room)) this.joined.add(room);
      else if (!joining.has(room)) this.restore('leave', room);
    }
    // Rejoins go out before the queued calls, and the server handles a connection's frames in order.
    for (const room of wanted) if (!welcome.rooms.includes(room)) this.restore('join', room);
    // A join re-sent after a drop lost its presence recording with the old socket.
    for (const room of joining) this.presence.expect(room);
    this.requests.flush();
    this.connection.ready();
    this.emit('welcome', welcome);
    for (const room of welcome.rooms) this.emit('presence', { room, members: this.presence.members(room) });
    this.emit('rooms', this.rooms());
  }

  /** After a reconnect: rejoin a room the client was in, or leave one the server put it in unasked. */
  private restore(event: 'join' | 'leave', room: string): void {
    if (event === 'join') this.presence.expect(room);
    const since = event === 'join' ? this.position(room) : undefined;
    this.call(event, since ? { room, since } : { room }, {}, true).catch((error: RoomcastError) => {
      if (event === 'join') this.presence.cancel(room);
      // Dropped again: the next welcome retries. Closed: nothing to restore.
      if (error.code === 'disconnected' || error.code === 'closed') return;
      if (event === 'join' && this.joined.delete(room)) {
        this.presence.remove(room);
        this.emit('rooms', this.rooms());
      }
      this.emit('rejoin:failed', { room, error });
    });
  }

  private onAck(raw: string, id: number, result: unknown): void {
    // No pending call: its caller already timed out, and a late reply is the expected outcome.
    const pending = this.requests.take(id);
    if (!pending) return;
    // Tolerant, like frames: a newer server may add result fields (0.1.0 rejected those).
    if (!tolerantAckResultValidators[pending.event].Check(result)) {
      const error = protocolError('invalid_payload', `The ack result does not match ${pending.event}'s`, id);
      this.invalid(raw, error);
      pending.reject(new RoomcastError('invalid_frame', error.message, id));
      return;
    }
    this.applyAck(pending, result as AckResultMap[ClientEventName]);
    pending.resolve(result);
  }

  private applyAck(pending: Pending, result: AckResultMap[ClientEventName]): void {
    if (!('room' in pending.data)) return;
    const { room } = pending.data;
    if (pending.event === 'join' && 'members' in result) {
      const join = result as AckResultMap['join'];
      this.joined.add(room);
      this.place(room, join.position, join.recovery);
      this.presence.snapshot(room, join.members, join.memberCount);
      this.emit('presence', { room, members: this.presence.members(room) });
      this.emit('rooms', this.rooms());
    } else if (pending.event === 'leave') {
      this.presence.remove(room);
      this.delivered.forget(room);
      this.epochs.delete(room);
      this.seqs.delete(room);
      if (this.joined.delete(room)) this.emit('rooms', this.rooms());
    }
  }

  private onError(data: ErrorEvent): void {
    const pending = data.id === undefined ? undefined : this.requests.take(data.id);
    if (pending) pending.reject(new RoomcastError(data.code, data.message, data.id));
    else this.emit('error', data);
  }

  private onDropped(): void {
    this.awaitingWelcome = true;
    this.presence.cancelAll();
    this.requests.dropInFlight();
  }

  private onState(change: StateChange): void {
    if (change.state === 'closed') {
      const reason = change.error?.message ?? 'The client is closed';
      this.requests.rejectAll(
        (entry) => new RoomcastError('closed', `${entry.event} not answered: ${reason}`, entry.id),
      );
    }
    this.emit('state', change);
  }

  private invalid(raw: unknown, error: ProtocolError): void {
    this.emit('invalid', { raw, error });
  }
}

/** Creates a client and starts connecting. */
export function createClient(options: ClientOptions): RoomcastClient {
  return new RoomcastClient(options);
}
