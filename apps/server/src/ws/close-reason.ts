import type { CloseReason } from '@roomcast/protocol';
import type { FastifyBaseLogger } from 'fastify';
import type { WebSocket } from 'ws';

/** Protocol failures `ws` detects in a peer's frames (it closes with the code in brackets). */
const WS_ERRORS: Record<string, string> = {
  WS_ERR_UNSUPPORTED_MESSAGE_LENGTH: 'message_too_big', // 1009
  WS_ERR_UNSUPPORTED_DATA_PAYLOAD_LENGTH: 'message_too_big', // 1009
  WS_ERR_TOO_MANY_BUFFERED_PARTS: 'message_too_big', // 1009
  WS_ERR_INVALID_UTF8: 'invalid_data', // 1007
  WS_ERR_EXPECTED_FIN: 'protocol_error', // 1002 from here on
  WS_ERR_EXPECTED_MASK: 'protocol_error',
  WS_ERR_UNEXPECTED_MASK: 'protocol_error',
  WS_ERR_INVALID_OPCODE: 'protocol_error',
  WS_ERR_UNEXPECTED_RSV_1: 'protocol_error',
  WS_ERR_UNEXPECTED_RSV_2_3: 'protocol_error',
  WS_ERR_INVALID_CLOSE_CODE: 'protocol_error',
  WS_ERR_INVALID_CONTROL_PAYLOAD_LENGTH: 'protocol_error',
};

const failures = new WeakMap<WebSocket, string>();

/** Notes the protocol failure behind a socket error; returns its label, or undefined for other errors (resets…). */
export function recordSocketError(socket: WebSocket, err: Error & { code?: string }): string | undefined {
  const reason = err.code === undefined ? undefined : WS_ERRORS[err.code];
  if (reason) failures.set(socket, reason);
  return reason;
}

/** A socket error ends the socket; a malformed frame is the peer's fault, not ours: one debug line, never a stack per frame. */
export function socketFailed(log: FastifyBaseLogger, socket: WebSocket, err: Error & { code?: string }): void {
  const reason = recordSocketError(socket, err);
  if (reason) log.debug({ reason, code: err.code }, 'peer protocol error');
  else log.warn({ err }, 'socket error');
  socket.terminate();
}

/**
 * The `reason` label of a closed connection, from a bounded set: the server's own reason, a protocol
 * failure of the peer's, a standard close code the peer sent (1000-1015), or `other`: a peer's
 * own codes (4000-4999, …) would otherwise mint one series each.
 */
export function disconnectReason(socket: WebSocket, closedBy: CloseReason | undefined, code: number): string {
  if (closedBy) return closedBy;
  const failure = failures.get(socket);
  if (failure) return failure;
  return code >= 1000 && code <= 1015 ? String(code) : 'other';
}
