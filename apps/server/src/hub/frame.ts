import type { Socket } from 'node:net';
import type { WebSocket } from 'ws';
import * as wsExports from 'ws';

/** A whole server-to-client text frame (header and payload), built once per broadcast and shared by every recipient. */
export type WireFrame = Buffer & { readonly __wireFrame: true };

// ws exports its framer but @types/ws does not declare it.
interface FrameOptions {
  fin: boolean;
  opcode: number;
  mask: boolean;
  readOnly: boolean;
  rsv1: boolean;
}
// A named export of ws's ESM entry; its default export has `Sender` only once ws's CommonJS entry has also loaded.
const { Sender } = wsExports as unknown as { Sender: { frame(data: Buffer, options: FrameOptions): Buffer[] } };
const TEXT: FrameOptions = { fin: true, opcode: 0x01, mask: false, readOnly: false, rsv1: false };

/** Frames a text payload exactly as ws's `send` would for a socket without compression. */
export function textFrame(payload: string | Buffer): WireFrame {
  const data = typeof payload === 'string' ? Buffer.from(payload) : payload;
  return Buffer.concat(Sender.frame(data, TEXT)) as WireFrame;
}

/** The payload inside a frame (a view, no copy), for sockets that must frame it themselves. */
export function payloadOf(frame: WireFrame): Buffer {
  const len = frame[1] as number;
  return frame.subarray(len === 126 ? 4 : len === 127 ? 10 : 2);
}

// The parts of ws's socket the shared frame bypasses; internal to ws 8 (lib/websocket.js, lib/sender.js).
interface WsInternals {
  _socket: Socket | null;
  _sender: { _state: number } | null;
}
const SENDER_DEFAULT = 0;

/**
 * The TCP socket under an open ws socket, where shared frames may be written directly; undefined
 * when permessage-deflate was negotiated (its frames are compressed per socket, by ws).
 */
export function rawSocket(socket: WebSocket): Socket | undefined {
  if (socket.extensions !== '') return undefined;
  return (socket as unknown as WsInternals)._socket ?? undefined;
}

/** Nothing waits in ws's own send queue (compressing, reading a Blob): a direct write would overtake it. */
export function senderIdle(socket: WebSocket): boolean {
  return (socket as unknown as WsInternals)._sender?._state === SENDER_DEFAULT;
}
