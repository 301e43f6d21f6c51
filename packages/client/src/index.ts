export { backoffDelay, DEFAULT_RECONNECT, type ReconnectOptions } from './backoff.js';
export {
  type CallOptions,
  createClient,
  type InvalidFrame,
  type PresenceUpdate,
  type RejoinFailure,
  RoomcastClient,
  type RoomcastEvents,
  type RoomRecovery,
  type SendOptions,
} from './client.js';
export type { ConnectionState, StateChange } from './connection.js';
export {
  CLIENT_ERRORS,
  type ClientErrorCode,
  isRoomcastError,
  RoomcastError,
  type RoomcastErrorCode,
} from './errors.js';
export { type ClientOptions, DEFAULT_OFFLINE_TIMEOUT_MS, type OfflinePolicy } from './options.js';
export { defaultWebSocket, type WebSocketConstructor, type WebSocketLike } from './websocket.js';
