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

/** One client socket: its identity, rooms, outbound backpressure and inbound rate limit. */
export class Connection {
  readonly user: User;
  readonly rooms = new Set<string>();
  readonly limiter: RateLimiter;
  alive = true;
  /** Why the server closed this connection, for the disconnect metric; unset when the peer closed. */
  closedBy: CloseReason | undefined;

  constructor(
    readonly socket: WebSocket,
    readonly id: string,
    readonly name: string,
    private readonly limits: ConnectionLimits,
    private readonly metrics: Metrics,
    /** With auth, the token's user; one user may hold several connections, told apart by `clientId`. */
    userId?: string,
  ) {
    this.user = userId === undefined ? { id, name } : { id: userId, name, clientId: id };
    this.limiter = new RateLimiter(limits.ratePerSecond, limits.rateBurst);
  }

  get open(): boolean {
    return this.socket.readyState === this.socket.OPEN;
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
    if (this.socket.bufferedAmount > this.limits.maxBufferedBytes) {
      this.metrics.dropped.inc({ reason: 'slow_consumer' });
      this.close('slow_consumer');
      return false;
    }
    this.socket.send(frame, { binary: false });
    return true;
  }

  sendError(code: ErrorCode, message?: string, id?: number): void {
    this.metrics.errors.inc({ code });
    this.send(encodeServerEvent('error', protocolError(code, message, id)));
  }

  close(reason: CloseReason, detail?: string): void {
    const { code, meaning } = CLOSE_CODES[reason];
    if (this.socket.readyState !== this.socket.OPEN) return;
    this.closedBy = reason;
    // Close reasons are limited to 123 bytes by RFC 6455.
    this.socket.close(code, (detail ?? meaning).slice(0, 120));
    // A peer that does not finish the close handshake (a slow reader never will) is cut off.
    setTimeout(() => this.socket.terminate(), CLOSE_HANDSHAKE_MS).unref();
  }

  /** Drops the socket without a close handshake: for peers that no longer answer. */
  terminate(reason: CloseReason): void {
    this.closedBy = reason;
    this.socket.terminate();
  }
}
