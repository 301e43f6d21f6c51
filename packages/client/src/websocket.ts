import { RoomcastError } from './errors.js';

// Handler properties are checked bivariantly so both the DOM WebSocket and `ws` fit.
type Handler<E> = { bivarianceHack(event: E): void }['bivarianceHack'];

/** The part of the WebSocket API the client uses; the browser's WebSocket and `ws` both have it. */
export interface WebSocketLike {
  readonly readyState: number;
  send(data: string): void;
  close(code?: number, reason?: string): void;
  onopen: Handler<unknown> | null;
  onmessage: Handler<{ data: unknown }> | null;
  onclose: Handler<{ code: number; reason: string }> | null;
  onerror: Handler<unknown> | null;
}

export type WebSocketConstructor = new (url: string) => WebSocketLike;

/** readyState of an open socket, the same in every implementation. */
export const OPEN = 1;

/**
 * The global WebSocket where there is one (browsers, Node 22+), else `ws`, loaded only now.
 * The specifier is a variable so bundlers leave `ws` out of browser builds.
 */
export async function defaultWebSocket(): Promise<WebSocketConstructor> {
  const global = (globalThis as { WebSocket?: WebSocketConstructor }).WebSocket;
  if (typeof global === 'function') return global;
  const specifier = 'ws';
  try {
    const mod = (await import(/* @vite-ignore */ specifier)) as {
      WebSocket?: WebSocketConstructor;
      default?: WebSocketConstructor;
    };
    const ctor = mod.WebSocket ?? mod.default;
    if (typeof ctor === 'function') return ctor;
  } catch {
    // Fall through to the typed error below.
  }
  throw new RoomcastError('no_websocket');
}
