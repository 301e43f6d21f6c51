import {
  CLOSE_CODES,
  type CloseReason,
  type ErrorCode,
  encodeServerEvent,
  protocolError,
  type User,
} from '@roomcast/protocol';
import type { WebSocket } from 'ws';
import type { Metrics } from '../metrics.js';
import { RateLimiter } from './rate-limiter.js';

const CLOSE_HANDSHAKE_MS = 1000;

export interface ConnectionLimits {
  maxBufferedBytes: number;
  ratePerSecond: number;
  rateBurst: number;
}

/**
 * One client socket: its identity, rooms, outbound backpressure and inbound rate limit.
 * Its first frame is its welcome, whatever else is ready sooner: until `welcome()`, every frame
 * for it (replies, errors, broadcasts) is held, in order, and counted against its buffer limit.
 */
export class Connection {
  readonly user: User;
  readonly rooms = new Set<string>();
  readonly limiter: RateLimiter;
  /** Frames waiting for the welcome; undefined once it is sent. */
  private held: (string | Buffer)[] | undefined = [];
  private heldBytes = 0;
  /** Why the server closed this connection, for the disconnect metric; unset when the peer closed. */
  closedBy: CloseReason | undefined;

  constructor(
    readonly socket: WebSocket,
    readonly id: string,
    readonly name: string,
    private readonly limits: ConnectionLimits,
    private readonly metrics: Metrics,
  ) {
    this.user = { id, name };
    this.limiter = new RateLimiter(limits.ratePerSecond, limits.rateBurst);
    // A connection closed before its welcome never gets what was held for it.
    socket.once('close', () => {
      if (this.held?.length) this.metrics.dropped.inc({ reason: 'closed' }, this.held.length);
      this.held = undefined;
    });
  }

  get open(): boolean {
    return this.socket.readyState === this.socket.OPEN;
  }

  /** Sends the welcome, then everything held for it. */
  welcome(frame: string): void {
    const held = this.held ?? [];
    this.held = undefined;
    this.heldBytes = 0;
    this.send(frame);
    for (const f of held) this.write(f);
  }

  /** Sends one frame and counts it. */
  send(frame: string | Buffer): boolean {
    const sent = this.write(frame);
    if (sent) this.metrics.framesOut.inc();
    return sent;
  }

  /**
   * Writes a pre-encoded frame without counting it (broadcasts count once per fan-out).
   * A reader that lets its buffer grow past the limit is cut off, not waited for.
   */
  write(frame: string | Buffer): boolean {
    if (!this.open) {
      this.metrics.dropped.inc({ reason: 'closed' });
      return false;
    }
    if (this.socket.bufferedAmount + this.heldBytes > this.limits.maxBufferedBytes) {
      this.metrics.dropped.inc({ reason: 'slow_consumer' });
      this.close('slow_consumer');
      return false;
    }
    if (this.held) {
      this.held.push(frame);
      this.heldBytes += Buffer.byteLength(frame);
      return true;
    }
    this.socket.send(frame, { binary: false });
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
