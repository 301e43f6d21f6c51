import type { AddressInfo } from 'node:net';
import {
  type AckResultMap,
  decodeClientFrame,
  type ErrorCode,
  encodeServerEvent,
  PROTOCOL_VERSION,
  protocolError,
  type User,
} from '@roomcast/protocol';
import { WebSocket, WebSocketServer } from 'ws';
import {
  MAX_ROOMS_PER_CONNECTION,
  newClientId,
  type PeerOptions,
  type RunningPeer,
  readHandshake,
} from './handshake.js';

interface Member {
  socket: WebSocket;
  user: User;
  rooms: Set<string>;
}

/**
 * The smallest honest server for protocol v1 on bare `ws`: a benchmark fixture, not a product.
 * No rate limits, metrics or backpressure policy: it shows what the protocol costs on its own.
 */
export async function startWsPeer(options: PeerOptions = {}): Promise<RunningPeer> {
  const rooms = new Map<string, Set<Member>>();
  const seqs = new Map<string, number>();
  const wss = new WebSocketServer({
    port: options.port ?? 0,
    host: options.host ?? '127.0.0.1',
    path: '/ws',
    maxPayload: 64 * 1024,
  });
  await new Promise<void>((resolve, reject) => {
    wss.once('listening', resolve);
    wss.once('error', reject);
  });

  // Encoded once per broadcast; every recipient gets the same bytes.
  const broadcast = (room: string, frame: string, except?: Member) => {
    const bytes = Buffer.from(frame);
    for (const member of rooms.get(room) ?? []) {
      if (member !== except && member.socket.readyState === WebSocket.OPEN) member.socket.send(bytes);
    }
  };

  const join = (member: Member, room: string): User[] => {
    let set = rooms.get(room);
    if (!set) {
      set = new Set();
      rooms.set(room, set);
    }
    if (!set.has(member)) {
      set.add(member);
      member.rooms.add(room);
      broadcast(room, encodeServerEvent('user:joined', { room, user: member.user }), member);
    }
    return [...set].map((m) => m.user);
  };

  const leave = (member: Member, room: string): boolean => {
    const set = rooms.get(room);
    if (!set?.delete(member)) return false;
    member.rooms.delete(room);
    if (set.size === 0) {
      rooms.delete(room);
      seqs.delete(room);
    }
    broadcast(room, encodeServerEvent('user:left', { room, user: member.user }), member);
    return true;
  };

  wss.on('connection', (socket, req) => {
    const query = new URL(req.url ?? '/', 'http://peer').searchParams;
    const handshake = readHandshake(query.get('room') ?? undefined, query.get('name') ?? undefined);
    if (!handshake) return socket.close(1008, 'Invalid room or name');
    const { room, name } = handshake;
    const member: Member = { socket, user: { id: newClientId(), name }, rooms: new Set() };
    const members = join(member, room);
    socket.send(
      encodeServerEvent('welcome', {
        clientId: member.user.id,
        name,
        rooms: [room],
        members: { [room]: members },
        protocol: PROTOCOL_VERSION,
      }),
    );

    const fail = (code: ErrorCode, id?: number) =>
      socket.send(encodeServerEvent('error', protocolError(code, undefined, id)));
    const ack = (id: number | undefined, result: AckResultMap[keyof AckResultMap]) => {
      if (id !== undefined) socket.send(encodeServerEvent('ack', { id, result }));
    };

    socket.on('message', (raw, isBinary) => {
      if (isBinary) return fail('binary_unsupported');
      const decoded = decodeClientFrame(raw.toString());
      if (!decoded.ok) {
        const { code, message, id } = decoded.error;
        return socket.send(encodeServerEvent('error', protocolError(code, message, id)));
      }
      const { frame } = decoded;
      switch (frame.event) {
        case 'join': {
          const { room: to } = frame.data;
          if (!member.rooms.has(to) && member.rooms.size >= MAX_ROOMS_PER_CONNECTION) {
            return fail('too_many_rooms', frame.id);
          }
          return ack(frame.id, { room: to, members: join(member, to) });
        }
        case 'leave': {
          if (!leave(member, frame.data.room)) return fail('not_in_room', frame.id);
          return ack(frame.id, { room: frame.data.room });
        }
        case 'send': {
          const { room: to, text, clientMsgId } = frame.data;
          if (!member.rooms.has(to)) return fail('not_in_room', frame.id);
          const seq = (seqs.get(to) ?? 0) + 1;
          seqs.set(to, seq);
          const message = { room: to, seq, from: member.user, text, sentAt: Date.now() };
          broadcast(to, encodeServerEvent('message', clientMsgId ? { ...message, clientMsgId } : message));
          return ack(frame.id, { room: to, seq });
        }
      }
    });
    socket.on('close', () => {
      for (const r of [...member.rooms]) leave(member, r);
    });
  });

  return {
    port: (wss.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        for (const client of wss.clients) client.terminate();
        wss.close(() => resolve());
      }),
  };
}
