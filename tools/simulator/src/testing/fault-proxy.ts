import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { decodeClientFrame, decodeServerFrame, encodeServerEvent, type ServerFrame } from '@roomcast/protocol';
import WebSocket, { WebSocketServer } from 'ws';

/**
 * Ways to break the protocol on purpose, each the kind of bug a real server could have.
 * The simulator must catch every one of them; a verifier that has never failed proves nothing.
 */
export const FAULTS = {
  'skip-sender': 'drops each message on its way back to its own sender',
  'joined-to-joiner': 'tells each newcomer, after its welcome, that it joined (user:joined about itself)',
  duplicate: 'delivers every message twice',
  reorder: 'swaps consecutive messages of the same room',
  leak: 'copies each message into a connection that is not in its room',
  'drop-left': 'drops every user:left, so members never learn who went away',
  'double-ack': 'answers every request twice',
  'accept-outsiders': 'turns not_in_room errors into acks, as if the request had been accepted',
} as const;
export type Fault = keyof typeof FAULTS;

interface Downstream {
  socket: WebSocket;
  clientId?: string;
  name?: string;
  rooms: Set<string>;
  /** Client requests by id, to forge a plausible ack for a refused one. */
  requests: Map<number, { event: string; room: string }>;
  held?: { room: string; raw: string; timer: NodeJS.Timeout };
}

export interface FaultProxy {
  url: string;
  /** How many frames the fault changed, dropped or added. */
  readonly injected: number;
  close(): Promise<void>;
}

/**
 * A WebSocket proxy in front of a real server, one upstream socket per client, that applies one
 * fault to what the server sends. The real server stays untouched.
 */
export async function startFaultProxy(upstreamWsUrl: string, fault: Fault): Promise<FaultProxy> {
  const clients = new Set<Downstream>();
  const leaked = new Set<string>();
  let injected = 0;
  const http = createServer((_req, res) => res.writeHead(404).end());
  const wss = new WebSocketServer({ server: http });

  const send = (d: Downstream, raw: string) => {
    if (d.socket.readyState === WebSocket.OPEN) d.socket.send(raw);
  };
  const flushHeld = (d: Downstream) => {
    if (!d.held) return;
    clearTimeout(d.held.timer);
    send(d, d.held.raw);
    d.held = undefined;
  };

  function track(d: Downstream, frame: ServerFrame): void {
    if (frame.event === 'welcome') {
      d.clientId = frame.data.clientId;
      d.name = frame.data.name;
      for (const r of frame.data.rooms) d.rooms.add(r);
    } else if (frame.event === 'ack') {
      const { result } = frame.data;
      if ('members' in result) d.rooms.add(result.room);
      else if ('room' in result && !('seq' in result)) d.rooms.delete(result.room);
    }
  }

  /** The faults about presence and replies; true when the frame was handled here. */
  function rewrite(d: Downstream, frame: ServerFrame, raw: string): boolean {
    if (fault === 'drop-left' && frame.event === 'user:left') {
      injected++;
      return true;
    }
    if (fault === 'double-ack' && frame.event === 'ack') {
      send(d, raw);
      send(d, raw);
      injected++;
      return true;
    }
    if (fault === 'accept-outsiders' && frame.event === 'error' && frame.data.code === 'not_in_room') {
      const id = frame.data.id;
      const req = id === undefined ? undefined : d.requests.get(id);
      if (id === undefined || !req) return false;
      const result = req.event === 'send' ? { room: req.room, seq: 1 } : { room: req.room };
      send(d, encodeServerEvent('ack', { id, result }));
      injected++;
      return true;
    }
    return false;
  }

  function forward(d: Downstream, raw: string): void {
    const decoded = decodeServerFrame(raw);
    if (!decoded.ok) {
      send(d, raw);
      return;
    }
    const frame = decoded.frame;
    track(d, frame);
    if (rewrite(d, frame, raw)) return;
    if (frame.event !== 'message') {
      flushHeld(d);
      send(d, raw);
      if (fault === 'joined-to-joiner' && frame.event === 'welcome' && d.clientId && d.name) {
        const room = frame.data.rooms[0] ?? 'lobby';
        send(d, encodeServerEvent('user:joined', { room, user: { id: d.clientId, name: d.name } }));
        injected++;
      }
      return;
    }
    const { room, seq, from } = frame.data;
    switch (fault) {
      case 'skip-sender':
        if (from.id === d.clientId) {
          injected++;
          return;
        }
        send(d, raw);
        return;
      case 'duplicate':
        send(d, raw);
        injected++;
        send(d, raw);
        return;
      case 'reorder':
        if (d.held && d.held.room === room) {
          const held = d.held;
          clearTimeout(held.timer);
          d.held = undefined;
          send(d, raw);
          send(d, held.raw);
          injected++;
          return;
        }
        flushHeld(d);
        d.held = { room, raw, timer: setTimeout(() => flushHeld(d), 100) };
        return;
      case 'leak': {
        send(d, raw);
        const key = `${room}#${seq}`;
        if (leaked.has(key)) return;
        const outsider = [...clients].find((o) => o !== d && o.clientId && !o.rooms.has(room));
        if (!outsider) return;
        leaked.add(key);
        injected++;
        send(outsider, raw);
        return;
      }
      default:
        send(d, raw);
        return;
    }
  }

  wss.on('connection', (socket: WebSocket, req: IncomingMessage) => {
    const target = new URL(upstreamWsUrl);
    target.search = new URL(req.url ?? '/', 'http://proxy').search;
    const upstream = new WebSocket(target);
    const d: Downstream = { socket, rooms: new Set(), requests: new Map() };
    clients.add(d);
    const early: string[] = [];
    upstream.on('open', () => {
      for (const raw of early.splice(0)) upstream.send(raw);
    });
    upstream.on('message', (data) => forward(d, data.toString()));
    socket.on('message', (data) => {
      const raw = data.toString();
      if (fault === 'accept-outsiders') {
        const req = decodeClientFrame(raw);
        if (req.ok && req.frame.id !== undefined && 'room' in req.frame.data) {
          d.requests.set(req.frame.id, { event: req.frame.event, room: req.frame.data.room });
        }
      }
      if (upstream.readyState === WebSocket.OPEN) upstream.send(raw);
      else early.push(raw);
    });
    const closeBoth = () => {
      clients.delete(d);
      flushHeld(d);
      if (socket.readyState === WebSocket.OPEN) socket.close(1000);
      if (upstream.readyState === WebSocket.OPEN || upstream.readyState === WebSocket.CONNECTING) upstream.close(1000);
    };
    socket.on('close', closeBoth);
    upstream.on('close', closeBoth);
    socket.on('error', closeBoth);
    upstream.on('error', closeBoth);
  });

  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  const { port } = http.address() as AddressInfo;
  return {
    url: `ws://127.0.0.1:${port}/ws`,
    get injected() {
      return injected;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const d of clients) d.socket.terminate();
        wss.close();
        http.close(() => resolve());
        http.closeAllConnections();
      }),
  };
}
