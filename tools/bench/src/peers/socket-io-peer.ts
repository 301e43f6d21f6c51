import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  type ClientEventName,
  clientValidators,
  type ErrorCode,
  PROTOCOL_VERSION,
  protocolError,
  type User,
} from '@roomcast/protocol';
import { Server, type Socket } from 'socket.io';
import {
  MAX_ROOMS_PER_CONNECTION,
  newClientId,
  type PeerOptions,
  type RunningPeer,
  readHandshake,
} from './handshake.js';
import type { SocketIoClientEvents, SocketIoReply, SocketIoServerEvents } from './socket-io-events.js';

type SocketData = { user: User; room: string };
type PeerSocket = Socket<SocketIoClientEvents, SocketIoServerEvents, Record<string, never>, SocketData>;

/**
 * Protocol v1's semantics written the way a Socket.IO 4 user would: `socket.emit` to one,
 * `socket.to(room).emit` to the others, `io.to(room).emit` to all, acks through callbacks.
 * WebSocket transport only, so the wire compares with the others.
 */
export async function startSocketIoPeer(options: PeerOptions = {}): Promise<RunningPeer> {
  const http = createServer();
  const io = new Server<SocketIoClientEvents, SocketIoServerEvents, Record<string, never>, SocketData>(http, {
    transports: ['websocket'],
    serveClient: false,
    maxHttpBufferSize: 64 * 1024,
  });
  const seqs = new Map<string, number>();

  const membersOf = (room: string): User[] => {
    const ids = io.sockets.adapter.rooms.get(room) ?? new Set<string>();
    const users: User[] = [];
    for (const id of ids) {
      const user = io.sockets.sockets.get(id)?.data.user;
      if (user) users.push(user);
    }
    return users;
  };
  // Socket.IO puts every socket in a room named after its own id; that one is not a chat room.
  const chatRooms = (socket: PeerSocket) => [...socket.rooms].filter((r) => r !== socket.id);

  io.use((socket, next) => {
    const { room, name } = socket.handshake.query;
    const handshake = readHandshake(room, name);
    if (!handshake) return next(new Error('Invalid room or name'));
    socket.data.user = { id: newClientId(), name: handshake.name };
    socket.data.room = handshake.room;
    next();
  });

  io.on('connection', (socket: PeerSocket) => {
    const { user, room } = socket.data;
    socket.join(room);
    socket.emit('welcome', {
      clientId: user.id,
      name: user.name,
      rooms: [room],
      members: { [room]: membersOf(room) },
      protocol: PROTOCOL_VERSION,
    });
    socket.to(room).emit('user:joined', { room, user });

    /** Validates the payload, then answers through the callback, or with an `error` event without one. */
    const on = <K extends ClientEventName>(
      event: K,
      handle: (data: Parameters<SocketIoClientEvents[K]>[0]) => SocketIoReply<unknown>,
    ) => {
      socket.on(event, ((data: unknown, reply?: (answer: SocketIoReply<unknown>) => void) => {
        const validator = clientValidators[event];
        const answer: SocketIoReply<unknown> = validator.Check(data)
          ? handle(data as Parameters<SocketIoClientEvents[K]>[0])
          : { ok: false, error: protocolError('invalid_payload', firstError(validator, data)) };
        if (typeof reply === 'function') reply(answer);
        else if (!answer.ok) socket.emit('error', answer.error);
      }) as never);
    };
    const fail = (code: ErrorCode): SocketIoReply<never> => ({ ok: false, error: protocolError(code) });

    on('join', ({ room: to }) => {
      if (!socket.rooms.has(to)) {
        if (chatRooms(socket).length >= MAX_ROOMS_PER_CONNECTION) return fail('too_many_rooms');
        socket.join(to);
        socket.to(to).emit('user:joined', { room: to, user });
      }
      return { ok: true, result: { room: to, members: membersOf(to) } };
    });
    on('leave', ({ room: from }) => {
      if (!socket.rooms.has(from) || from === socket.id) return fail('not_in_room');
      socket.leave(from);
      socket.to(from).emit('user:left', { room: from, user });
      if (!io.sockets.adapter.rooms.has(from)) seqs.delete(from);
      return { ok: true, result: { room: from } };
    });
    on('send', ({ room: to, text, clientMsgId }) => {
      if (!socket.rooms.has(to) || to === socket.id) return fail('not_in_room');
      const seq = (seqs.get(to) ?? 0) + 1;
      seqs.set(to, seq);
      const message = { room: to, seq, from: user, text, sentAt: Date.now() };
      io.to(to).emit('message', clientMsgId ? { ...message, clientMsgId } : message);
      return { ok: true, result: { room: to, seq } };
    });

    socket.on('disconnecting', () => {
      for (const r of chatRooms(socket)) socket.to(r).emit('user:left', { room: r, user });
    });
    socket.on('disconnect', () => {
      for (const r of seqs.keys()) if (!io.sockets.adapter.rooms.has(r)) seqs.delete(r);
    });
  });

  await new Promise<void>((resolve, reject) => {
    http.once('error', reject);
    http.listen(options.port ?? 0, options.host ?? '127.0.0.1', resolve);
  });
  return {
    port: (http.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        io.disconnectSockets(true);
        io.close(() => resolve());
      }),
  };
}

function firstError(validator: (typeof clientValidators)[ClientEventName], data: unknown): string {
  const first = validator.Errors(data).First();
  return first ? `/data${first.path || '/'}: ${first.message}` : 'does not match the schema';
}
