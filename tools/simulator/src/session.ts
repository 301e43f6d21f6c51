import { nowMs, recordMs } from '@roomcast/measure';
import { type AckResultMap, decodeServerFrameStrict, encodeClientEvent, type ServerFrame } from '@roomcast/protocol';
import WebSocket from 'ws';
import type { ResumeState } from './resume-state.js';
import { RoomContinuity } from './resume-state.js';
import { RoomTrack } from './room-track.js';
import type { ClientSpec, RequestLog, SessionLog } from './wire.js';
import type { WorkerContext } from './worker-context.js';

export type Outcome =
  | { reply: 'ack'; result: AckResultMap[keyof AckResultMap]; t1: number }
  | { reply: 'error'; code: string; t1: number }
  | { reply: 'timeout' | 'closed'; t1: number };

interface Pending {
  log: RequestLog;
  resolve(outcome: Outcome): void;
  timer: NodeJS.Timeout;
}

/** Reads the sender's timestamp out of a message text (`t=<ms> ...`). */
export function sentTimestamp(text: string): number | undefined {
  if (!text.startsWith('t=')) return undefined;
  const t = Number.parseFloat(text.slice(2));
  return Number.isFinite(t) ? t : undefined;
}

/**
 * One WebSocket connection of one simulated client: speaks the protocol through
 * @roomcast/protocol, checks what only this connection can see, and logs or tracks the rest.
 */
/** The connection a user entry stands for: `clientId` with auth on (`id` is then the user), else `id`. */
const connectionOf = (user: { id: string; clientId?: string }) => user.clientId ?? user.id;

export class Session {
  readonly log: SessionLog;
  readonly rooms = new Set<string>();
  clientId: string | undefined;
  private ws: WebSocket | undefined;
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private readonly timedOut = new Set<number>();
  private readonly ownSeen = new Set<string>();
  private readonly tracks = new Map<string, RoomTrack>();
  private frames = 0;
  private sentCount = 0;
  private closing = false;
  private closedPromise: Promise<void> = Promise.resolve();
  /** resume mode: called when the connection is lost after its welcome without the client closing it. */
  onDrop: (() => void) | undefined;
  /** Whether this connection presented a resume token. */
  private resuming = false;

  constructor(
    private readonly ctx: WorkerContext,
    readonly spec: ClientSpec,
    readonly incarnation: number,
    /** resume mode: the client's token and per-room positions, shared by all its connections. */
    readonly resume?: ResumeState,
  ) {
    this.log = {
      key: `c${spec.client}.${incarnation}`,
      client: spec.client,
      room: spec.room,
      tConnect: 0,
      welcomeRooms: [],
      frames: [],
      requests: [],
    };
  }

  get label(): string {
    return `client ${this.spec.client} (${this.clientId ?? 'no id yet'}, connection ${this.incarnation})`;
  }

  get isOpen(): boolean {
    return this.ws?.readyState === WebSocket.OPEN && this.clientId !== undefined && !this.closing;
  }

  /** Connects and waits for the welcome; false when the server refused or was too slow. */
  open(timeoutMs: number): Promise<boolean> {
    const { ctx, spec } = this;
    const url = new URL(ctx.init.urls[spec.node % ctx.init.urls.length] as string);
    url.searchParams.set('name', spec.name);
    url.searchParams.set('room', spec.room);
    if (spec.token) url.searchParams.set('token', spec.token);
    if (this.resume?.token) {
      this.resuming = true;
      url.searchParams.set('resume', this.resume.token);
      url.searchParams.set('positions', JSON.stringify(this.resume.positions()));
    }
    this.log.tConnect = nowMs();
    const ws = new WebSocket(url, { perMessageDeflate: false });
    this.ws = ws;
    this.closedPromise = new Promise((resolve) => ws.once('close', () => resolve()));
    return new Promise((resolve) => {
      let settled = false;
      const settle = (ok: boolean, why?: string) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        if (ok) {
          ctx.counters.connects++;
          ctx.counters.open++;
          recordMs(ctx.connectTime, nowMs() - this.log.tConnect);
        } else {
          ctx.counters.connectFailures++;
          // A resume may knock on a node that just died; the worker tries another and counts it.
          if (!this.resuming) ctx.violations.add('requests-accepted', `${this.label} could not connect: ${why}`);
          ws.terminate();
        }
        resolve(ok);
      };
      const timer = setTimeout(() => settle(false, `no welcome within ${timeoutMs} ms`), timeoutMs);
      ws.on('message', (data, isBinary) => {
        this.onFrame(data.toString(), isBinary);
        if (this.clientId !== undefined) settle(true);
      });
      ws.on('error', (err) => settle(false, err.message));
      ws.on('close', (code, reason) => {
        this.log.tClosed = nowMs();
        if (settled && this.clientId !== undefined) ctx.counters.open--;
        const dropped = !this.closing && settled && this.clientId !== undefined;
        // Resume mode: a cut (1006) or a node going away (1001) is the point; any other close is the server's refusal.
        if (dropped && (!this.resume || (code !== 1006 && code !== 1001))) {
          ctx.violations.add('requests-accepted', `${this.label} was closed by the server: ${code} ${reason}`);
        }
        settle(false, `closed ${code} ${reason.toString()}`);
        for (const [id, p] of this.pending) this.finish(id, p, { reply: 'closed', t1: nowMs() });
        if (dropped) this.onDrop?.();
      });
    });
  }

  /** Sends `join` / `leave` and waits for its one reply; `expect` names the error a probe must get. */
  request(event: 'join' | 'leave', room: string, expect?: string): Promise<Outcome> {
    const log: RequestLog = { event, room, t0: 0, ...(expect ? { expect } : {}) };
    return this.issue(log, (id) => encodeClientEvent(event, { room }, id));
  }

  /** Sends a chat message stamped with the shared clock, so every receiver can measure latency. */
  send(room: string, expect?: string): Promise<Outcome> {
    const mid = `${this.ctx.init.runTag}.${this.log.key}.${++this.sentCount}`;
    const text = `t=${nowMs().toFixed(3)}${this.ctx.padding}`;
    if (!expect) this.ctx.counters.sent++;
    return this.issue({ event: 'send', room, t0: 0, mid, ...(expect ? { expect } : {}) }, (id) =>
      encodeClientEvent('send', { room, text, clientMsgId: mid }, id),
    );
  }

  get inFlight(): number {
    return this.pending.size;
  }

  close(timeoutMs = 3000): Promise<void> {
    const ws = this.ws;
    if (!ws || this.closing) return this.closedPromise;
    this.closing = true;
    this.log.tCloseIssued = nowMs();
    if (ws.readyState === WebSocket.OPEN || ws.readyState === WebSocket.CONNECTING) ws.close(1000);
    const cut = setTimeout(() => ws.terminate(), timeoutMs);
    return this.closedPromise.then(() => clearTimeout(cut));
  }

  /** Seqs this connection missed in a room, against what the senders had acknowledged. */
  missing(room: string, expected: readonly number[]): number[] {
    const track = this.tracks.get(room);
    return track ? track.missing(expected) : [...expected];
  }

  resetTracks(): void {
    for (const track of this.tracks.values()) track.reset();
  }

  private issue(log: RequestLog, encode: (id: number) => string): Promise<Outcome> {
    const ws = this.ws;
    if (!ws || ws.readyState !== WebSocket.OPEN) return Promise.resolve({ reply: 'closed', t1: nowMs() });
    const id = this.nextId++;
    if (this.ctx.init.mode === 'log') this.log.requests.push(log);
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        const p = this.pending.get(id);
        if (!p) return;
        this.timedOut.add(id);
        this.ctx.violations.add(
          'one-reply-per-id',
          `${this.label}: no reply to ${log.event} id ${id} within ${this.ctx.init.replyTimeoutMs} ms`,
        );
        this.finish(id, p, { reply: 'timeout', t1: nowMs() });
      }, this.ctx.init.replyTimeoutMs);
      this.pending.set(id, { log, resolve, timer });
      this.ctx.pending++;
      log.t0 = nowMs();
      ws.send(encode(id));
    });
  }

  private finish(id: number, p: Pending, outcome: Outcome): void {
    clearTimeout(p.timer);
    this.pending.delete(id);
    this.ctx.pending--;
    p.resolve(outcome);
  }

  private onFrame(raw: string, isBinary: boolean): void {
    const t = nowMs();
    const { ctx } = this;
    ctx.lastFrameAt = t;
    const first = this.frames++ === 0;
    if (isBinary) {
      ctx.violations.add('frames-valid', `${this.label} received a binary frame`);
      return;
    }
    const decoded = decodeServerFrameStrict(raw);
    if (!decoded.ok) {
      ctx.violations.add('frames-valid', `${this.label}: ${decoded.error.code} ${decoded.error.message}`);
      return;
    }
    const frame = decoded.frame;
    if (first && frame.event !== 'welcome') {
      ctx.violations.add('welcome-first', `${this.label}: first frame was "${frame.event}", not "welcome"`);
    }
    this.dispatch(frame, t);
  }

  private dispatch(frame: ServerFrame, t: number): void {
    const { ctx } = this;
    const logging = ctx.init.mode === 'log';
    switch (frame.event) {
      case 'welcome': {
        const { clientId, rooms, members } = frame.data;
        if (this.clientId !== undefined) {
          ctx.violations.add('welcome-first', `${this.label} received a second welcome (clientId ${clientId})`);
          return;
        }
        this.clientId = clientId;
        this.log.clientId = clientId;
        this.log.tWelcome = t;
        this.log.welcomeRooms = rooms;
        const quiet = Object.entries(frame.data.presenceEvents ?? {}).flatMap(([r, on]) => (on ? [] : [r]));
        if (quiet.length > 0) this.log.quietRooms = quiet;
        for (const room of rooms) this.rooms.add(room);
        const listed = members[this.spec.room]?.some((m) => connectionOf(m) === clientId) ?? false;
        if (!rooms.includes(this.spec.room) || !listed) {
          ctx.violations.add(
            'welcome-first',
            `${this.label}: welcome does not list the connection in room "${this.spec.room}"`,
          );
        }
        if (logging && ctx.canLog()) this.log.frames.push({ k: 'welcome', t });
        if (this.resume) this.welcomeBack(frame.data);
        return;
      }
      case 'user:joined':
      case 'user:left': {
        const { room, user } = frame.data;
        ctx.counters.presence++;
        if (connectionOf(user) === this.clientId) {
          ctx.violations.add(
            'presence-not-to-subject',
            `${this.label} was sent "${frame.event}" about itself in room "${room}"`,
          );
        }
        if (this.resume) ctx.presenceAbout(user.id);
        const k = frame.event === 'user:joined' ? 'joined' : 'left';
        if (logging && ctx.canLog()) this.log.frames.push({ k, t, room, user: connectionOf(user) });
        return;
      }
      case 'message': {
        const { room, seq, from, text, clientMsgId } = frame.data;
        ctx.counters.delivered++;
        const sentAt = sentTimestamp(text);
        if (sentAt !== undefined) recordMs(ctx.latency, t - sentAt);
        if (connectionOf(from) === this.clientId && clientMsgId) this.ownSeen.add(clientMsgId);
        if (logging) {
          if (ctx.canLog())
            this.log.frames.push({ k: 'msg', t, room, seq, mid: clientMsgId ?? text, from: connectionOf(from) });
          return;
        }
        if (this.resume) {
          this.continue(room, seq);
          return;
        }
        if (!this.rooms.has(room)) {
          ctx.violations.add('rooms-isolated', `${this.label} received message seq ${seq} of room "${room}"`);
          return;
        }
        let track = this.tracks.get(room);
        if (!track) {
          track = new RoomTrack();
          this.tracks.set(room, track);
        }
        const verdict = track.record(seq);
        if (verdict === 'duplicate') {
          ctx.violations.add('delivery-once', `${this.label} received seq ${seq} of room "${room}" twice`);
        } else if (verdict === 'out-of-order') {
          ctx.violations.add(
            'delivery-in-order',
            `${this.label} received seq ${seq} of room "${room}" after seq ${track.max}`,
          );
        }
        return;
      }
      case 'ack':
      case 'error': {
        const id = frame.data.id;
        const p = id === undefined ? undefined : this.pending.get(id);
        if (frame.event === 'error') {
          // A probe's refusal is the answer it was after, not an error of the run.
          if (p?.log.expect === frame.data.code) ctx.countExpectedError(frame.data.code);
          else ctx.countError(frame.data.code);
        }
        if (id === undefined) return;
        if (!p) {
          if (this.timedOut.delete(id)) return;
          const what = id < this.nextId ? 'a second reply' : 'a reply to an id it never sent';
          ctx.violations.add('one-reply-per-id', `${this.label} received ${what}: ${frame.event} id ${id}`);
          return;
        }
        if (frame.event === 'error') {
          const { code, message } = frame.data;
          p.log.reply = 'error';
          p.log.code = code;
          p.log.t1 = t;
          if (p.log.expect === undefined) {
            ctx.violations.add(
              'requests-accepted',
              `${this.label}: ${p.log.event} to "${p.log.room}" refused: ${code} ${message}`,
            );
          } else if (p.log.expect !== code) {
            ctx.violations.add(
              'errors-correct',
              `${this.label}: ${p.log.event} to "${p.log.room}" got error ${code}, expected ${p.log.expect}`,
            );
          }
          this.finish(id, p, { reply: 'error', code, t1: t });
          return;
        }
        if (p.log.expect !== undefined) {
          ctx.violations.add(
            'errors-correct',
            `${this.label}: ${p.log.event} to "${p.log.room}" (not a member) was acknowledged, expected error ${p.log.expect}`,
          );
          p.log.reply = 'ack';
          p.log.t1 = t;
          this.finish(id, p, { reply: 'ack', result: frame.data.result, t1: t });
          return;
        }
        this.onAck(p, frame.data.result, t);
        this.finish(id, p, { reply: 'ack', result: frame.data.result, t1: t });
        return;
      }
    }
  }

  /** resume mode: checks a welcome after a drop and records where each room starts. */
  private welcomeBack(data: Extract<ServerFrame, { event: 'welcome' }>['data']): void {
    const state = this.resume as ResumeState;
    const { ctx } = this;
    if (this.resuming) {
      if (data.resumed !== true || data.clientId !== state.clientId) {
        ctx.violations.add(
          'resume-recovered',
          `${this.label}: resume token not accepted (resumed ${data.resumed}, clientId ${data.clientId}, was ${state.clientId})`,
        );
      }
      for (const [room, continuity] of state.rooms) {
        const recovery = data.recovery?.[room];
        if (recovery?.recovered !== true) {
          const why = recovery ? `recovered false, missing ${JSON.stringify(recovery.missing)}` : 'no recovery given';
          ctx.violations.add('resume-recovered', `${this.label}: room "${room}" from seq ${continuity.last}: ${why}`);
        } else if (recovery.position.epoch !== continuity.epoch) {
          ctx.violations.add(
            'resume-recovered',
            `${this.label}: room "${room}" recovered into epoch ${recovery.position.epoch}, was ${continuity.epoch}`,
          );
        }
      }
      if (state.droppedAt !== undefined && state.clientId) {
        ctx.resumeGap(state.clientId, nowMs() - state.droppedAt, data.resumed === true, state.nodeKilled);
      }
    }
    state.droppedAt = undefined;
    state.clientId ??= data.clientId;
    state.token = data.resumeToken;
    if (!data.resumeToken) ctx.violations.add('resume-recovered', `${this.label}: welcome carried no resumeToken`);
    for (const [room, position] of Object.entries(data.positions ?? {})) {
      if (!state.rooms.has(room)) state.rooms.set(room, new RoomContinuity(position.epoch, position.seq));
    }
  }

  /** resume mode: one more seq of a room, which must extend the unbroken run since the join. */
  private continue(room: string, seq: number): void {
    const { ctx } = this;
    const continuity = this.resume?.rooms.get(room);
    if (!continuity) {
      ctx.violations.add('rooms-isolated', `${this.label} received message seq ${seq} of room "${room}"`);
      return;
    }
    const verdict = continuity.record(seq);
    if (verdict === 'duplicate') {
      ctx.violations.add('delivery-once', `${this.label} received seq ${seq} of room "${room}" twice`);
    } else if (verdict === 'out-of-order') {
      ctx.violations.add('delivery-in-order', `${this.label} received seq ${seq} of room "${room}" after a later one`);
    }
  }

  private onAck(p: Pending, result: AckResultMap[keyof AckResultMap], t: number): void {
    const { log } = p;
    log.reply = 'ack';
    log.t1 = t;
    if (log.event === 'join') this.rooms.add(log.room);
    if (log.event === 'leave') this.rooms.delete(log.room);
    if (log.event !== 'send' || !log.mid) return;
    this.ctx.counters.acked++;
    const seq = 'seq' in result ? result.seq : undefined;
    if (seq !== undefined) {
      log.seq = seq;
      if (this.ctx.init.mode === 'track') {
        const list = this.ctx.acked.get(log.room) ?? [];
        list.push(seq);
        this.ctx.acked.set(log.room, list);
      }
    }
    if (!this.ownSeen.delete(log.mid)) {
      this.ctx.violations.add(
        'sender-included',
        `${this.label}: ack for its message seq ${seq} in "${log.room}" came before (or without) the message itself`,
      );
    }
  }
}
