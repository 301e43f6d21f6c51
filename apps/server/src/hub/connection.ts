import type { Socket } from 'node:net';
import {
  CLOSE_CODES,
  type CloseReason,
  type ErrorCode,
  encodeServerEvent,
  protocolError,
  type User,
} from '@roomcast/protocol';
import type { WebSocket } from 'ws';
import type { Member } from '../adapters/adapter.js';
import type { Metrics } from '../metrics.js';
import { corkForTurn, flushIfFull } from './coalesce.js';
import { payloadOf, rawSocket, senderIdle, type WireFrame } from './frame.js';
import { RateLimiter } from './rate-limiter.js';

const CLOSE_HANDSHAKE_MS = 1000;

export interface ConnectionLimits {
  maxBufferedBytes: number;
  ratePerSecond: number;
  rateBurst: number;
  /** Gather each socket's writes of one event-loop turn into one writev (COALESCE_WRITES). */
  coalesceWrites?: boolean;
}

/** A room broadcast held back while the room's join is answered, and the member it announces joining. */
interface Held {
  frame: string | WireFrame;
  joined?: string;
}

const TEXT = { binary: false } as const;

let serials = 0;

const bytesOf = (frames: (string | WireFrame)[]): number => frames.reduce((sum, f) => sum + Buffer.byteLength(f), 0);

/**
 * One client socket: its identity, rooms, outbound backpressure and inbound rate limit.
 * Its first frame is its welcome, whatever else is ready sooner: until `welcome()`, every frame
 * for it (replies, errors, broadcasts) is held, in order, and counted against its buffer limit.
 */
export class Connection {
  /** Who speaks on this connection; `clientId` is the connection, `id` the user. */
  member: Member;
  /** The user as other clients see it on the wire. */
  user: User;
  /** Tells this socket apart from a later one that resumes the same clientId. */
  readonly serial = ++serials;
  /** The resume token the welcome handed out; rotated on every welcome. */
  resumeToken: string | undefined;
  readonly rooms = new Set<string>();
  readonly limiter: RateLimiter;
  /** Frames waiting for the welcome; undefined once it is sent. */
  private held: (string | WireFrame)[] | undefined = [];
  /** Bytes held for the welcome and for joins in progress: they count against the limit like ws's own buffer. */
  private heldBytes = 0;
  /** Per room, broadcasts held while the room's join is answered (and its history replayed). */
  private holds: Map<string, Held[]> | undefined;
  /** Set once the socket closed and the hub let go of it. */
  closed = false;
  /** Why the server closed this connection, for the disconnect metric; unset when the peer closed. */
  closedBy: CloseReason | undefined;
  /** Inbound frames are handled one at a time: each waits for this, then replaces it. */
  inbox: Promise<unknown> = Promise.resolve();
  /** Where shared broadcast frames are written directly; undefined when this socket frames its own (compression). */
  private readonly tcp: Socket | undefined;

  constructor(
    readonly socket: WebSocket,
    id: string,
    name: string,
    private readonly limits: ConnectionLimits,
    private readonly metrics: Metrics,
    /** With auth, the token's user; one user may hold several connections, told apart by `clientId`. */
    userId?: string,
  ) {
    this.member = { id: userId ?? id, name, clientId: id };
    this.user = userId === undefined ? { id, name } : { id: userId, name, clientId: id };
    this.limiter = new RateLimiter(limits.ratePerSecond, limits.rateBurst);
    this.tcp = rawSocket(socket);
  }

  /** The socket closed: a connection closed before its welcome never gets what was held for it. */
  socketClosed(): void {
    if (this.held?.length) this.metrics.dropped.inc({ reason: 'closed' }, this.held.length);
    this.held = undefined;
  }

  get id(): string {
    return this.member.clientId;
  }

  get name(): string {
    return this.member.name;
  }

  /** Takes on an identity (a resumed session's) before the connection is welcomed. */
  adopt(member: Member): void {
    this.member = member;
    this.user = member.clientId === member.id ? { id: member.id, name: member.name } : member;
  }

  get open(): boolean {
    return this.socket.readyState === this.socket.OPEN;
  }

  /** Sends the welcome, then everything held for it. */
  welcome(frame: string): void {
    const held = this.held ?? [];
    this.held = undefined;
    this.heldBytes -= bytesOf(held);
    this.send(frame);
    for (const f of held) this.write(f);
  }

  /** Holds a room's broadcasts while its join is answered; `release` lets them through. */
  hold(room: string): void {
    this.holds ??= new Map();
    if (!this.holds.has(room)) this.holds.set(room, []);
  }

  /**
   * Writes `first` (a replayed history), then what was held for the room, dropping
   * `user:joined` of members the joiner's snapshot already lists.
   */
  release(room: string, first: string[] = [], listed?: Set<string>): void {
    const held = this.holds?.get(room) ?? [];
    this.holds?.delete(room);
    if (this.holds?.size === 0) this.holds = undefined;
    for (const h of held) this.heldBytes -= Buffer.byteLength(h.frame);
    for (const frame of first) this.write(frame);
    for (const h of held) if (!(h.joined && listed?.has(h.joined))) this.write(h.frame);
  }

  /** A room broadcast: held while that room's join is in progress, written otherwise. */
  deliver(room: string, frame: WireFrame, joined?: string): boolean {
    const held = this.holds?.get(room);
    if (!held) return this.write(frame);
    if (!this.writable()) return false;
    held.push(joined === undefined ? { frame } : { frame, joined });
    this.heldBytes += Buffer.byteLength(frame);
    return true;
  }

  /** Sends one frame and counts it. */
  send(frame: string): boolean {
    const sent = this.write(frame);
    if (sent) this.metrics.framesOut.inc();
    return sent;
  }

  /**
   * Writes a pre-encoded frame without counting it (broadcasts count once per fan-out).
   * A reader that lets its buffer grow past the limit is cut off, not waited for.
   */
  write(frame: string | WireFrame): boolean {
    if (!this.writable()) return false;
    if (this.held) {
      this.held.push(frame);
      this.heldBytes += Buffer.byteLength(frame);
      return true;
    }
    const corked = this.limits.coalesceWrites && this.tcp;
    if (corked) corkForTurn(corked);
    if (typeof frame === 'string') this.socket.send(frame, TEXT);
    // The broadcast's own frame, byte for byte what `send` would write; ws's queue is empty, so order holds.
    else if (this.tcp && senderIdle(this.socket)) this.tcp.write(frame);
    else {
      this.metrics.framesReframed.inc();
      this.socket.send(payloadOf(frame), TEXT);
    }
    if (corked) flushIfFull(corked, this.limits.maxBufferedBytes);
    return true;
  }

  /** Whether one more frame may be written or held; a closed socket or a reader over the limit drops it. */
  private writable(): boolean {
    if (!this.open) {
      this.metrics.dropped.inc({ reason: 'closed' });
      return false;
    }
    if (this.socket.bufferedAmount + this.heldBytes > this.limits.maxBufferedBytes) {
      this.metrics.dropped.inc({ reason: 'slow_consumer' });
      this.close('slow_consumer');
      return false;
    }
    return true;
  }

  sendError(code: ErrorCode, message?: string, id?: number): void {
    this.metrics.errors.inc({ code });
    this.send(encodeServerEvent('error', protocolError(code, message, id)));
  }

  /** Closes with the reason's code; a peer that has not finished the handshake after `handshakeMs` is cut off. */
  close(reason: CloseReason, detail?: string, handshakeMs = CLOSE_HANDSHAKE_MS): void {
    const { code, meaning } = CLOSE_CODES[reason];
    if (this.socket.readyState !== this.socket.OPEN) return;
    this.closedBy = reason;
    // Close reasons are limited to 123 bytes by RFC 6455.
    this.socket.close(code, (detail ?? meaning).slice(0, 120));
    // A slow reader never finishes the handshake, a dead peer cannot: neither is waited for long.
    setTimeout(() => this.socket.terminate(), handshakeMs).unref();
  }
}
