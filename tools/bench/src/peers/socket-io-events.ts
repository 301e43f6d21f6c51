import type { AckResultMap, ClientEventMap, ProtocolError, ServerEventMap } from '@roomcast/protocol';

/**
 * Protocol v1 mapped onto Socket.IO's own idioms: events by name with their v1 payloads, and
 * an ack callback in place of `id` + `ack`/`error` frames.
 */
export type SocketIoReply<R> = { ok: true; result: R } | { ok: false; error: ProtocolError };

export type SocketIoClientEvents = {
  [K in keyof ClientEventMap]: (
    data: ClientEventMap[K],
    reply?: (answer: SocketIoReply<AckResultMap[K]>) => void,
  ) => void;
};

export type SocketIoServerEvents = {
  welcome: (data: ServerEventMap['welcome']) => void;
  'user:joined': (data: ServerEventMap['user:joined']) => void;
  'user:left': (data: ServerEventMap['user:left']) => void;
  message: (data: ServerEventMap['message']) => void;
  /** Bad input from a client that gave no ack callback to answer through. */
  error: (data: ServerEventMap['error']) => void;
};
