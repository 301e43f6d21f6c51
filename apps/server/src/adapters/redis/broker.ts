import type { Message, StreamPosition } from '@roomcast/protocol';
import {
  AdapterUnavailableError,
  type Broker,
  type BrokerSink,
  type HistoryResult,
  type Member,
  type PresenceChange,
} from '../adapter.js';
import type { Client, Log } from './client.js';
import { type ChannelEvent, decodeChannelEvent, decodeEntry, encodePresence, newEpoch } from './codec.js';
import { roomKeys } from './keys.js';
import { call, runScript } from './run.js';
import { PUBLISH, RAISE, READ } from './scripts.js';

export interface BrokerOptions {
  prefix: string;
  node: string;
  historySize: number;
  log: Log;
}

/** A subscribed room: what the sink was last given, and events held back while a gap is filled. */
interface RoomState {
  listener: (raw: string) => void;
  epoch: string | undefined;
  seq: number;
  /** Highest seq ever delivered in the room, in any epoch: this node's floor. */
  max: number;
  held: ChannelEvent[] | undefined;
}

/** Counts of events the broker could not hand on, for the metrics endpoint and tests. */
export interface BrokerStats {
  malformed: number;
  duplicates: number;
  /** Messages a gap repair could not recover (the history no longer had them). */
  lost: number;
}

/**
 * The Redis broker: one Lua script numbers, stores and publishes each message; every node reads
 * a room's events from its shard channel on one subscriber connection, so they arrive in `seq`
 * order. A gap (the subscriber connection dropped while others published) is filled from the
 * room's stream before later events are handed on, so the sink sees each room in order, once.
 */
export class RedisBroker implements Broker {
  readonly stats: BrokerStats = { malformed: 0, duplicates: 0, lost: 0 };
  private readonly rooms = new Map<string, RoomState>();
  private readonly pending = new Map<string, Promise<void>>();
  private sink: BrokerSink | undefined;

  constructor(
    private readonly cmd: Client,
    private readonly sub: Client,
    private readonly opts: BrokerOptions,
  ) {}

  start(sink: BrokerSink): void {
    this.sink = sink;
  }

  /** Called when the subscriber reconnected: node-redis re-subscribed; catch up what was missed. */
  onSubscriberRestored(): void {
    for (const [room, st] of this.rooms) if (st.epoch !== undefined && !st.held) this.repair(room, st, []);
  }

  /** Called when the command connection reconnected: if Redis came back empty, keep seq above what we delivered. */
  async onCommandRestored(): Promise<void> {
    for (const [room, st] of this.rooms) {
      if (st.max === 0) continue;
      const k = roomKeys(this.opts.prefix, room);
      await runScript(this.cmd, RAISE, [k.meta, k.stream], [newEpoch(), st.max]).catch(() => {});
    }
  }

  subscribe(room: string): Promise<void> {
    return this.serial(room, async () => {
      if (this.rooms.has(room)) return;
      if (!this.sub.isReady) throw new AdapterUnavailableError('redis unavailable (subscribe)');
      const st: RoomState = {
        listener: (raw) => this.receive(room, raw),
        epoch: undefined,
        seq: 0,
        max: 0,
        held: undefined,
      };
      this.rooms.set(room, st);
      try {
        await call('subscribe', () => this.sub.sSubscribe(roomKeys(this.opts.prefix, room).channel, st.listener));
      } catch (err) {
        this.rooms.delete(room);
        throw err;
      }
    });
  }

  unsubscribe(room: string): Promise<void> {
    return this.serial(room, async () => {
      const st = this.rooms.get(room);
      if (!st) return;
      this.rooms.delete(room);
      // While disconnected node-redis forgets the listener on reconnect anyway; never fail a leave.
      await this.sub.sUnsubscribe(roomKeys(this.opts.prefix, room).channel, st.listener).catch(() => {});
    });
  }

  async publish(
    room: string,
    draft: Omit<Message, 'seq'>,
    floor: number,
  ): Promise<{ message: Message; epoch: string }> {
    const { seq: _ignored, ...body } = draft as Message;
    const k = roomKeys(this.opts.prefix, room);
    const max = Math.max(floor, this.rooms.get(room)?.max ?? 0);
    const reply = (await runScript(
      this.cmd,
      PUBLISH,
      [k.meta, k.stream, k.channel],
      [newEpoch(), max, JSON.stringify(body), this.opts.historySize],
    )) as [number, string];
    return { message: { ...body, seq: reply[0] } as Message, epoch: reply[1] };
  }

  async announce(room: string, change: PresenceChange, member: Member): Promise<void> {
    const channel = roomKeys(this.opts.prefix, room).channel;
    await call('announce', () => this.cmd.sPublish(channel, encodePresence(this.opts.node, change, member)));
  }

  async position(room: string): Promise<StreamPosition> {
    const { epoch, seq } = await this.read(room, '+', 0);
    return { epoch, seq };
  }

  async history(room: string, since: StreamPosition, limit: number): Promise<HistoryResult> {
    let r = await this.read(room, String(since.seq + 1), limit + 1);
    const sameEpoch = r.epoch === since.epoch;
    if (!sameEpoch) r = await this.read(room, '-', limit + 1);
    const position = { epoch: r.epoch, seq: r.seq };
    // One more than asked was read, so a limit that cut older ones shows as a gap before the first.
    const messages = limit > 0 ? r.messages.slice(-limit) : [];
    const expected = sameEpoch ? Math.max(since.seq, r.base) + 1 : since.seq + 1;
    const first = messages[0]?.seq ?? r.seq + 1;
    if (sameEpoch && since.seq <= r.seq && first <= expected) return { recovered: true, messages, position };
    return { recovered: false, messages, position, missing: { from: expected, to: first - 1 } };
  }

  async close(): Promise<void> {
    this.rooms.clear();
  }

  private async read(room: string, start: string, count: number) {
    const k = roomKeys(this.opts.prefix, room);
    const [epoch, seq, base, entries] = (await runScript(
      this.cmd,
      READ,
      [k.meta, k.stream],
      [newEpoch(), start, count],
    )) as [string, number, number, unknown[]];
    const messages: Message[] = [];
    for (let i = entries.length - 1; i >= 0; i--) {
      const m = decodeEntry(entries[i]);
      if (m) messages.push(m);
      else this.stats.malformed++;
    }
    return { epoch, seq, base, messages };
  }

  /** Runs subscribe/unsubscribe of one room one at a time, in call order. */
  private serial(room: string, op: () => Promise<void>): Promise<void> {
    const prev = this.pending.get(room) ?? Promise.resolve();
    const next = prev.then(op, op);
    const tail = next.catch(() => {});
    this.pending.set(room, tail);
    void tail.then(() => {
      if (this.pending.get(room) === tail) this.pending.delete(room);
    });
    return next;
  }

  private receive(room: string, raw: string): void {
    const st = this.rooms.get(room);
    if (!st) return; // unsubscribed: no local member wants it
    const ev = decodeChannelEvent(raw);
    if (!ev) {
      this.stats.malformed++;
      this.opts.log.warn({ room }, 'dropped a malformed event from the room channel');
      return;
    }
    if (st.held) st.held.push(ev);
    else this.handle(room, st, ev, false);
  }

  private handle(room: string, st: RoomState, ev: ChannelEvent, acceptGap: boolean): void {
    if (ev.kind === 'presence') {
      if (ev.node !== this.opts.node) this.sink?.onPresence(room, ev.change, ev.member);
      return;
    }
    const { message, epoch } = ev;
    if (epoch === st.epoch) {
      if (message.seq <= st.seq) {
        this.stats.duplicates++;
        return;
      }
      if (message.seq > st.seq + 1 && !acceptGap) {
        this.repair(room, st, [ev]);
        return;
      }
    }
    st.epoch = epoch;
    st.seq = message.seq;
    st.max = Math.max(st.max, message.seq);
    this.sink?.onMessage(message, epoch);
  }

  /** Holds the room's live events, hands on what the stream still has after the last delivered, then the held ones. */
  private repair(room: string, st: RoomState, held: ChannelEvent[]): void {
    st.held = held;
    const since = { epoch: st.epoch ?? '', seq: st.seq };
    void this.history(room, since, this.opts.historySize)
      .then((r) => {
        if (this.rooms.get(room) !== st) return;
        if (!r.recovered && r.position.epoch === since.epoch) {
          this.stats.lost += r.missing.to - r.missing.from + 1;
          this.opts.log.warn({ room, missing: r.missing }, 'messages missed while the subscriber was away are gone');
        }
        for (const message of r.messages)
          this.handle(room, st, { kind: 'message', epoch: r.position.epoch, message }, true);
      })
      .catch((err: unknown) => this.opts.log.warn({ err, room }, 'could not fill a gap from the room history'))
      .finally(() => {
        if (this.rooms.get(room) !== st) return;
        const queue = st.held ?? [];
        st.held = undefined;
        // What the history could not give is gone: accept the first gap; a later one repairs again.
        let first = true;
        for (const ev of queue) {
          // handle() may have started another repair, which holds what follows.
          const again = st.held as ChannelEvent[] | undefined;
          if (again) again.push(ev);
          else this.handle(room, st, ev, first);
          if (ev.kind === 'message') first = false;
        }
      });
  }
}
