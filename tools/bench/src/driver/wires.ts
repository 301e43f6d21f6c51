import { encodeClientEvent } from '@roomcast/protocol';
import { io, type Socket } from 'socket.io-client';
import { WebSocket } from 'ws';
import type { SocketIoClientEvents, SocketIoServerEvents } from '../peers/socket-io-events.js';
import type { ReceiveMode } from './messages.js';

/**
 * What a load client hears. `text` is the chat message text, which carries the sender's
 * timestamp; it is undefined for a delivery the light receive path counted without parsing.
 */
export interface WireEvents {
  onMessage(text: string | undefined): void;
  onClose(): void;
}

/** One connected client, whatever the wire. */
export interface WireClient {
  /** Sends a chat message; `onReply` gets true for an ack, false for an error. */
  send(room: string, text: string, onReply: (ok: boolean) => void): void;
  close(): Promise<void>;
}

export type WireName = 'v1' | 'socket.io';

/** The seam between the load driver and a server: connect once welcomed, or reject after `timeoutMs`. */
export type Wire = (
  url: string,
  name: string,
  room: string,
  events: WireEvents,
  receive: ReceiveMode,
  timeoutMs: number,
) => Promise<WireClient>;

/** How a chat delivery starts on the wire, for the light path's count without a parse. */
const MESSAGE_TAG = Buffer.from('"event":"message"');

/**
 * Protocol v1 over `ws`. Incoming frames are parsed, not schema-validated: the driver must not be
 * the bottleneck, and the simulator and the peers' tests are where frames are checked. On the
 * light path (sampleEvery > 1) a chat delivery is recognised in the raw bytes and counted; only
 * every Nth is parsed, and UTF-8 validation is skipped.
 */
export const v1Wire: Wire = (url, name, room, events, receive, timeoutMs) =>
  new Promise((resolve, reject) => {
    const light = receive.sampleEvery > 1;
    const socket = new WebSocket(`${url}/ws?name=${encodeURIComponent(name)}&room=${encodeURIComponent(room)}`, {
      perMessageDeflate: false,
      skipUTF8Validation: light,
    });
    const pending = new Map<number, (ok: boolean) => void>();
    let nextId = 0;
    let unsampled = 0;
    const timer = setTimeout(() => {
      socket.terminate();
      reject(new Error(`no welcome within ${timeoutMs} ms`));
    }, timeoutMs);
    const client: WireClient = {
      send(to, text, onReply) {
        const id = nextId++;
        pending.set(id, onReply);
        socket.send(encodeClientEvent('send', { room: to, text }, id));
      },
      close: () =>
        new Promise((done) => {
          if (socket.readyState === WebSocket.CLOSED) return done();
          socket.once('close', () => done());
          socket.close(1000);
          // A server that never answers the close handshake must not hold the run.
          setTimeout(() => socket.terminate(), 3000).unref();
        }),
    };
    socket.on('message', (raw: Buffer) => {
      if (light && raw.indexOf(MESSAGE_TAG) !== -1) {
        if (++unsampled < receive.sampleEvery) return events.onMessage(undefined);
        unsampled = 0;
      }
      const frame = JSON.parse(raw.toString()) as { event: string; data: Record<string, unknown> };
      switch (frame.event) {
        case 'message':
          return events.onMessage(frame.data.text as string);
        case 'ack':
        case 'error': {
          const id = frame.data.id as number | undefined;
          const reply = id === undefined ? undefined : pending.get(id);
          if (id !== undefined) pending.delete(id);
          return reply?.(frame.event === 'ack');
        }
        case 'welcome':
          clearTimeout(timer);
          return resolve(client);
      }
    });
    socket.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    socket.on('close', () => {
      clearTimeout(timer);
      events.onClose();
    });
  });

/** Socket.IO 4, websocket transport only, acks through callbacks. */
export const socketIoWire: Wire = (url, name, room, events, _receive, timeoutMs) =>
  new Promise((resolve, reject) => {
    const socket: Socket<SocketIoServerEvents, SocketIoClientEvents> = io(url.replace(/^ws/, 'http'), {
      transports: ['websocket'],
      query: { name, room },
      reconnection: false,
      forceNew: true,
      timeout: timeoutMs,
    });
    const client: WireClient = {
      send(to, text, onReply) {
        socket.emit('send', { room: to, text }, (answer) => onReply(answer.ok));
      },
      close: () =>
        new Promise((done) => {
          if (socket.disconnected) return done();
          socket.once('disconnect', () => done());
          socket.disconnect();
        }),
    };
    // Socket.IO's client parses every packet itself: it has no light path.
    socket.on('message', (data) => events.onMessage(data.text));
    socket.once('welcome', () => resolve(client));
    socket.once('connect_error', (err) => reject(err));
    socket.on('disconnect', () => events.onClose());
  });

export const WIRES: Record<WireName, Wire> = { v1: v1Wire, 'socket.io': socketIoWire };
