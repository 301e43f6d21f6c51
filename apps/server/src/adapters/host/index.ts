import type { Message, StreamPosition } from '@roomcast/protocol';
import {
  type Adapter,
  type AdapterSink,
  AdapterUnavailableError,
  type Broker,
  type HistoryResult,
  type Member,
  type PresenceChange,
  type PresenceStore,
  type Session,
  type SessionStore,
} from '../adapter.js';
import { type HostReply, type HostRequest, isHostReply, type Op } from './wire.js';

export { BusHost, type WorkerChannel } from './host.js';

/** A worker's end of the IPC channel to the primary (`process` in a cluster worker has this shape). */
export interface PrimaryChannel {
  readonly connected: boolean;
  send(message: HostRequest, sendHandle: undefined, options: undefined, callback: (err: Error | null) => void): boolean;
  on(event: 'message', listener: (message: unknown) => void): unknown;
  on(event: 'disconnect', listener: () => void): unknown;
  off(event: 'message', listener: (message: unknown) => void): unknown;
}

interface Pending {
  resolve: (value: unknown) => void;
  reject: (err: Error) => void;
  /** When it was sent (ms), so a primary that stopped answering fails calls instead of hanging them. */
  at: number;
}

/** A primary that has not answered in this long is stuck (its event loop blocked): the call fails, retryably. */
const CALL_TIMEOUT_MS = 5000;

/**
 * A cluster worker's adapter: every call goes to the primary's in-host bus (BusHost) and every
 * event of the rooms this worker subscribed comes back from it, in the bus's order. Each worker
 * is a node of its own; the primary gives it its id when it attaches.
 */
export class HostAdapter implements Adapter {
  readonly name = 'host';
  readonly scope = 'cluster' as const;
  readonly broker: Broker;
  readonly presence: PresenceStore;
  readonly sessions: SessionStore;
  private id = '';
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private sink: AdapterSink | undefined;
  private readonly onMessage = (m: unknown) => this.receive(m);
  /** One sweep for all calls rather than a timer per call: publish is on the hot path. */
  private readonly sweep: ReturnType<typeof setInterval>;

  constructor(
    private readonly channel: PrimaryChannel = process as unknown as PrimaryChannel,
    private readonly callTimeoutMs = CALL_TIMEOUT_MS,
  ) {
    const call = this.call.bind(this);
    this.broker = {
      subscribe: (room: string) => call('subscribe', room) as Promise<void>,
      unsubscribe: (room: string) => call('unsubscribe', room) as Promise<void>,
      publish: (room: string, draft: Omit<Message, 'seq'>, floor: number) =>
        call('publish', room, draft, floor) as Promise<{ message: Message; epoch: string }>,
      announce: (room: string, change: PresenceChange, member: Member) =>
        call('announce', room, change, member) as Promise<void>,
      position: (room: string) => call('position', room) as Promise<StreamPosition>,
      history: (room: string, since: StreamPosition, limit: number) =>
        call('history', room, since, limit) as Promise<HistoryResult>,
    };
    this.presence = {
      add: (room: string, member: Member, owner: string) =>
        call('presence.add', room, member, owner) as Promise<boolean>,
      remove: (room: string, clientId: string, owner: string) =>
        call('presence.remove', room, clientId, owner) as Promise<boolean>,
      list: (room: string) => call('presence.list', room) as Promise<Member[]>,
      count: (room: string) => call('presence.count', room) as Promise<number>,
    };
    this.sessions = {
      save: (token: string, session: Session, ttlMs: number) =>
        call('sessions.save', token, session, ttlMs) as Promise<void>,
      take: (token: string) => call('sessions.take', token) as Promise<Session | undefined>,
      drop: (token: string) => call('sessions.drop', token) as Promise<void>,
    };
    channel.on('disconnect', () => this.failPending());
    this.sweep = setInterval(() => this.expire(), Math.max(10, callTimeoutMs / 5));
    this.sweep.unref();
  }

  get node(): string {
    return this.id;
  }

  async start(sink: AdapterSink): Promise<void> {
    this.sink = sink;
    this.channel.on('message', this.onMessage);
    this.id = (await this.call('attach')) as string;
  }

  ready(): boolean {
    return this.channel.connected;
  }

  /** Leaves the bus: the other workers see this worker's members leave at once. */
  async close(): Promise<void> {
    if (this.sink && this.channel.connected) await this.call('detach').catch(() => {});
    this.sink = undefined;
    this.channel.off('message', this.onMessage);
    clearInterval(this.sweep);
  }

  private call(op: Op, ...args: unknown[]): Promise<unknown> {
    if (!this.channel.connected) return Promise.reject(new AdapterUnavailableError('the primary process is gone'));
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject, at: Date.now() });
      this.channel.send({ rc: 'req', id, op, args }, undefined, undefined, (err) => {
        if (!err) return;
        this.pending.delete(id);
        reject(new AdapterUnavailableError(`the primary process is unreachable: ${err.message}`));
      });
    });
  }

  private receive(m: unknown): void {
    if (!isHostReply(m)) return;
    const reply = m as HostReply;
    if (reply.rc === 'msg') this.sink?.onMessage(reply.message, reply.epoch);
    else if (reply.rc === 'presence') this.sink?.onPresence(reply.room, reply.change, reply.member);
    else {
      const waiter = this.pending.get(reply.id);
      if (!waiter) return;
      this.pending.delete(reply.id);
      if (reply.ok) waiter.resolve(reply.value);
      else waiter.reject(new Error(reply.error));
    }
  }

  private expire(): void {
    const before = Date.now() - this.callTimeoutMs;
    for (const [id, waiter] of this.pending) {
      if (waiter.at > before) continue;
      this.pending.delete(id);
      waiter.reject(new AdapterUnavailableError(`the primary process did not answer within ${this.callTimeoutMs} ms`));
    }
  }

  private failPending(): void {
    for (const waiter of this.pending.values())
      waiter.reject(new AdapterUnavailableError('the primary process is gone'));
    this.pending.clear();
  }
}
