import { type Static, type TLiteral, Type } from '@sinclair/typebox';

/**
 * Errors sent in an `error` frame. The connection stays open after each of them.
 * `retry`: whether sending the same frame again later can succeed.
 */
export const ERRORS = {
  bad_json: { retry: false, meaning: 'The frame is not valid JSON' },
  invalid_payload: {
    retry: false,
    meaning: 'The frame or its data does not match the schema; the message names the path',
  },
  unknown_event: { retry: false, meaning: 'The event name is not one the server accepts' },
  binary_unsupported: { retry: false, meaning: 'Binary frames are not part of protocol v1; send JSON text' },
  not_in_room: { retry: false, meaning: 'The connection is not a member of that room' },
  too_many_rooms: { retry: false, meaning: 'The connection is already in the maximum number of rooms' },
  forbidden: {
    retry: false,
    meaning: 'Not allowed: the token does not grant this room, or a refresh token was rejected',
  },
  rate_limited: { retry: true, meaning: 'Too many frames; the frame was dropped. Slow down and retry' },
  internal: { retry: true, meaning: 'The server failed to handle the frame' },
  unavailable: {
    retry: true,
    meaning:
      'A backing service (the cluster broker, the token key set) is unreachable; the request had no effect. Retry later',
  },
} as const satisfies Record<string, { retry: boolean; meaning: string }>;

export type ErrorCode = keyof typeof ERRORS;
export const ERROR_CODES = Object.keys(ERRORS) as ErrorCode[];
export const ErrorCode = Type.Union(ERROR_CODES.map((code) => Type.Literal(code)) as TLiteral<ErrorCode>[], {
  description: 'Error code; see ERRORS for meaning and retry',
});

/** A protocol error as plain data: what `decode` returns and what an `error` frame carries. */
export const ProtocolError = Type.Object({
  code: ErrorCode,
  message: Type.String(),
  id: Type.Optional(Type.Integer()),
});
export type ProtocolError = Static<typeof ProtocolError>;

export function protocolError(code: ErrorCode, message: string = ERRORS[code].meaning, id?: number): ProtocolError {
  return id === undefined ? { code, message } : { code, message, id };
}

/**
 * WebSocket close codes the server uses. `reconnect` tells a client whether reconnecting
 * (with backoff) makes sense, like centrifuge's disconnect codes.
 */
export const CLOSE_CODES = {
  normal: { code: 1000, reconnect: false, meaning: 'Closed on request' },
  going_away: { code: 1001, reconnect: true, meaning: 'Server is shutting down or restarting' },
  protocol_error: {
    code: 1002,
    reconnect: true,
    meaning: 'A malformed WebSocket frame (reserved bits, opcode, close code); closed by the WebSocket layer',
  },
  invalid_data: { code: 1007, reconnect: true, meaning: 'A text frame that is not valid UTF-8' },
  policy_violation: {
    code: 1008,
    reconnect: false,
    meaning: 'Not sent by Roomcast (handshake failures get an HTTP status); listed so clients treat it as final',
  },
  message_too_big: { code: 1009, reconnect: true, meaning: 'A frame exceeded the size limit' },
  internal_error: { code: 1011, reconnect: true, meaning: 'The server hit an unexpected condition' },
  try_again_later: { code: 1013, reconnect: true, meaning: 'The server is at its connection limit' },
  slow_consumer: { code: 4001, reconnect: true, meaning: 'The client read too slowly and its send buffer overflowed' },
  flood: { code: 4002, reconnect: true, meaning: 'The client kept sending over the rate limit' },
  heartbeat_timeout: { code: 4003, reconnect: true, meaning: 'The client did not answer pings' },
  token_expired: {
    code: 4004,
    reconnect: true,
    meaning: 'The access token expired and no fresh one arrived by `refresh`; reconnect with a new token',
  },
} as const satisfies Record<string, { code: number; reconnect: boolean; meaning: string }>;

export type CloseReason = keyof typeof CLOSE_CODES;

/** Whether a client should reconnect after a close with this code (unknown codes: yes). */
export function shouldReconnect(code: number): boolean {
  for (const entry of Object.values(CLOSE_CODES)) if (entry.code === code) return entry.reconnect;
  return code !== 1000;
}
