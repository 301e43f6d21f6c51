import { compileValidator, DisplayName, RoomName } from '@roomcast/protocol';
import { DEFAULT_RECONNECT, type ReconnectOptions } from './backoff.js';
import { RoomcastError } from './errors.js';
import type { WebSocketConstructor } from './websocket.js';

export type OfflinePolicy = 'queue' | 'fail';

export interface ClientOptions {
  /** The server's WebSocket endpoint, e.g. `ws://localhost:3000/ws`; http(s) URLs are turned into ws(s). */
  url: string | URL;
  /** Display name; the server picks a guest name when omitted. Kept across reconnects. */
  name?: string;
  /** Room to join on connect; the server's default is `lobby`. */
  room?: string;
  /** WebSocket implementation. Default: the global one (browsers, Node 22+), else `ws`. */
  WebSocket?: WebSocketConstructor;
  /** Default per-call timeout in ms for join/leave/send. Default 10 000. */
  timeoutMs?: number;
  /** How long one connection attempt may take until the welcome. Default 10 000. */
  connectTimeoutMs?: number;
  /** Reconnect policy, or false to close for good on the first drop. */
  reconnect?: Partial<ReconnectOptions> | false;
  /**
   * Calls made while not connected: `queue` (default) holds them, up to `maxQueued`, and sends
   * them in order once the connection and its rooms are back; `fail` rejects them at once with `offline`.
   */
  offline?: OfflinePolicy;
  /** Bound of the offline queue. Default 100. */
  maxQueued?: number;
  /**
   * How long a call may wait for the connection before it rejects with `offline_timeout`; its
   * reply timeout (`timeoutMs`) starts only when it is sent. Default 30 000.
   */
  offlineTimeoutMs?: number;
  /**
   * Calls in flight when the socket drops: true (default) sends them again, same frame and
   * `clientMsgId`, once the connection and its rooms are back; false rejects them with `disconnected`.
   */
  resendInFlight?: boolean;
}

/** Default of `offlineTimeoutMs`, exported so an app can tell its users how long a call waits. */
export const DEFAULT_OFFLINE_TIMEOUT_MS = 30_000;

export interface ResolvedOptions {
  url: URL;
  name: string | undefined;
  room: string | undefined;
  WebSocket: WebSocketConstructor | undefined;
  timeoutMs: number;
  connectTimeoutMs: number;
  reconnect: ReconnectOptions;
  offline: OfflinePolicy;
  maxQueued: number;
  offlineTimeoutMs: number;
  resendInFlight: boolean;
}

const checkName = compileValidator(DisplayName);
const checkRoom = compileValidator(RoomName);

function positive(value: number | undefined, fallback: number, what: string): number {
  const v = value ?? fallback;
  if (!(v > 0)) throw new RoomcastError('invalid_payload', `${what} must be a positive number, got ${value}`);
  return v;
}

/** Fills defaults and rejects options the server would refuse, before any socket is opened. */
export function resolveOptions(options: ClientOptions): ResolvedOptions {
  let url: URL;
  try {
    url = new URL(options.url);
  } catch {
    throw new RoomcastError('invalid_payload', `url is not a valid URL: ${String(options.url)}`);
  }
  if (url.protocol === 'http:') url.protocol = 'ws:';
  else if (url.protocol === 'https:') url.protocol = 'wss:';
  if (url.protocol !== 'ws:' && url.protocol !== 'wss:') {
    throw new RoomcastError('invalid_payload', `url must be ws(s) or http(s), got ${url.protocol}`);
  }
  if (options.name !== undefined && !checkName.Check(options.name)) {
    throw new RoomcastError('invalid_payload', `name is not a valid display name: ${JSON.stringify(options.name)}`);
  }
  if (options.room !== undefined && !checkRoom.Check(options.room)) {
    throw new RoomcastError('invalid_payload', `room is not a valid room name: ${JSON.stringify(options.room)}`);
  }
  const reconnect =
    options.reconnect === false
      ? { ...DEFAULT_RECONNECT, enabled: false }
      : { ...DEFAULT_RECONNECT, ...options.reconnect };
  return {
    url,
    name: options.name,
    room: options.room,
    WebSocket: options.WebSocket,
    timeoutMs: positive(options.timeoutMs, 10_000, 'timeoutMs'),
    connectTimeoutMs: positive(options.connectTimeoutMs, 10_000, 'connectTimeoutMs'),
    reconnect,
    offline: options.offline ?? 'queue',
    maxQueued: options.maxQueued ?? 100,
    offlineTimeoutMs: positive(options.offlineTimeoutMs, DEFAULT_OFFLINE_TIMEOUT_MS, 'offlineTimeoutMs'),
    resendInFlight: options.resendInFlight ?? true,
  };
}
