import { ERRORS, type ErrorCode } from '@roomcast/protocol';

/**
 * Failures the client detects itself, beside the server's protocol codes.
 * `retry`: whether making the same call again later can succeed.
 */
export const CLIENT_ERRORS = {
  timeout: { retry: true, meaning: 'No reply arrived within the call timeout; the server may still have applied it' },
  disconnected: {
    retry: true,
    meaning:
      'The connection dropped after the call was sent and the client is set not to resend it; the server may or may not have applied it',
  },
  offline: { retry: true, meaning: 'Not connected, and the client is set to fail fast instead of queueing' },
  offline_timeout: {
    retry: true,
    meaning:
      'The connection was not back within the offline deadline, so the call was never sent (or, if its socket dropped, not sent again)',
  },
  queue_full: { retry: true, meaning: 'Not connected, and the offline queue is full' },
  closed: {
    retry: false,
    meaning: 'The client is closed (by close(), a final close code, or after giving up reconnecting)',
  },
  invalid_frame: { retry: false, meaning: 'The server replied with a frame that does not match the protocol schema' },
  no_websocket: { retry: false, meaning: 'No WebSocket implementation: pass one in options.WebSocket or install `ws`' },
} as const satisfies Record<string, { retry: boolean; meaning: string }>;

export type ClientErrorCode = keyof typeof CLIENT_ERRORS;

/** Every code a RoomcastError can carry: the server's protocol codes and the client's own. */
export type RoomcastErrorCode = ErrorCode | ClientErrorCode;

function meaningOf(code: RoomcastErrorCode): { retry: boolean; meaning: string } {
  return Object.hasOwn(CLIENT_ERRORS, code) ? CLIENT_ERRORS[code as ClientErrorCode] : ERRORS[code as ErrorCode];
}

/** What every failed call rejects with: a protocol or client `code` you can switch on. */
export class RoomcastError extends Error {
  override name = 'RoomcastError';
  readonly code: RoomcastErrorCode;
  /** Whether the same call may succeed if made again later. */
  readonly retry: boolean;
  /** The request id of the call, when it had been given one. */
  readonly requestId: number | undefined;

  constructor(code: RoomcastErrorCode, message?: string, requestId?: number) {
    const known = meaningOf(code);
    super(message ?? known.meaning);
    this.code = code;
    this.retry = known.retry;
    this.requestId = requestId;
  }
}

/** Narrows an unknown rejection to a RoomcastError, optionally of one code. */
export function isRoomcastError(value: unknown, code?: RoomcastErrorCode): value is RoomcastError {
  return value instanceof RoomcastError && (code === undefined || value.code === code);
}
