import {
  type AckResultMap,
  decodeClientFrame,
  type ErrorCode,
  encodeServerEvent,
  PROTOCOL_VERSION,
  protocolError,
  type User,
} from '@roomcast/protocol';
import uWS from 'uwebsockets';
import {
  MAX_ROOMS_PER_CONNECTION,
  newClientId,
  type PeerOptions,
  type RunningPeer,
  readHandshake,
} from './handshake.js';

interface Member {
  user: User;
  rooms: Set<string>;
  /** Set by the upgrade when the handshake failed the schema: open closes with 1008. */
  refused: boolean;
}

/**
 * Protocol v1 on uWebSockets.js, written the way its users write it: rooms are uWS topics, so a
 * broadcast is one native `publish` (framed once, in C++) and "to the others" is `ws.publish`,
 * which skips the publisher. A benchmark fixture, not a product: no rate limits or metrics.
 */
export async function startUwsPeer(options: PeerOptions = {}): Promise<RunningPeer> {
  const members = new Map<string, Set<Member>>();
  const seqs = new Map<string, number>();
  const open = new Set<uWS.WebSocket<Member>>();
  const app = uWS.App();

  const join = (ws: uWS.WebSocket<Member>, member: Member, room: string): User[] => {
    let set = members.get(room);
    if (!set) {
      set = new Set();
      members.set(room, set);
    }
    if (!set.has(member)) {
      set.add(member);
      member.rooms.add(room);
      ws.subscribe(room);
      ws.publish(room, encodeServerEvent('user:joined', { room, user: member.user }));
    }
    return [...set].map((m) => m.user);
  };

  /** After unsubscribing (or closing), an app-wide publish reaches exactly the others. */
  const left = (member: Member, room: string): boolean => {
    const set = members.get(room);
    if (!set?.delete(member)) return false;
    member.rooms.delete(room);
    if (set.size === 0) {
      members.delete(room);
      seqs.delete(room);
    }
    app.publish(room, encodeServerEvent('user:left', { room, user: member.user }));
    return true;
  };

  app.ws<Member>('/ws', {
    maxPayloadLength: 64 * 1024,
    // uWS skips a subscriber whose send buffer passes maxBackpressure: set high, so nothing is dropped (like the ws peer).
    maxBackpressure: 256 * 1024 * 1024,
    idleTimeout: 0,
    upgrade: (res, req, context) => {
      const handshake = readHandshake(req.getQuery('room'), req.getQuery('name'));
      const member: Member = {
        user: { id: newClientId(), name: handshake?.name ?? '' },
        rooms: new Set(),
        refused: !handshake,
      };
      if (handshake) member.rooms.add(handshake.room);
      res.upgrade(
        member,
        req.getHeader('sec-websocket-key'),
        req.getHeader('sec-websocket-protocol'),
        req.getHeader('sec-websocket-extensions'),
        context,
      );
    },
    open: (ws) => {
      const member = ws.getUserData();
      if (member.refused) return ws.end(1008, 'Invalid room or name');
      open.add(ws);
      const [room] = member.rooms;
      member.rooms.clear();
      if (room === undefined) return;
      const list = join(ws, member, room);
      ws.send(
        encodeServerEvent('welcome', {
          clientId: member.user.id,
          name: member.user.name,
          rooms: [room],
          members: { [room]: list },
          protocol: PROTOCOL_VERSION,
        }),
      );
    },
    message: (ws, raw, isBinary) => {
      const member = ws.getUserData();
      const fail = (code: ErrorCode, id?: number) => {
        ws.send(encodeServerEvent('error', protocolError(code, undefined, id)));
      };
      const ack = (id: number | undefined, result: AckResultMap[keyof AckResultMap]) => {
        if (id !== undefined) ws.send(encodeServerEvent('ack', { id, result }));
      };
      if (isBinary) return fail('binary_unsupported');
      // The ArrayBuffer is only valid inside this call: decode copies it out.
      const decoded = decodeClientFrame(Buffer.from(raw).toString());
      if (!decoded.ok) {
        const { code, message, id } = decoded.error;
        ws.send(encodeServerEvent('error', protocolError(code, message, id)));
        return;
      }
      const { frame } = decoded;
      switch (frame.event) {
        case 'join': {
          const { room: to } = frame.data;
          if (!member.rooms.has(to) && member.rooms.size >= MAX_ROOMS_PER_CONNECTION) {
            return fail('too_many_rooms', frame.id);
          }
          return ack(frame.id, { room: to, members: join(ws, member, to) });
        }
        case 'leave': {
          if (!member.rooms.has(frame.data.room)) return fail('not_in_room', frame.id);
          ws.unsubscribe(frame.data.room);
          left(member, frame.data.room);
          return ack(frame.id, { room: frame.data.room });
        }
        case 'send': {
          const { room: to, text, clientMsgId } = frame.data;
          if (!member.rooms.has(to)) return fail('not_in_room', frame.id);
          const seq = (seqs.get(to) ?? 0) + 1;
          seqs.set(to, seq);
          const message = { room: to, seq, from: member.user, text, sentAt: Date.now() };
          app.publish(to, encodeServerEvent('message', clientMsgId ? { ...message, clientMsgId } : message));
          return ack(frame.id, { room: to, seq });
        }
      }
    },
    close: (ws) => {
      open.delete(ws);
      const member = ws.getUserData();
      // A closed socket is already out of its topics; the others hear that it left.
      for (const room of [...member.rooms]) left(member, room);
    },
  });

  const listenSocket = await new Promise<uWS.us_listen_socket>((resolve, reject) => {
    app.listen(options.host ?? '127.0.0.1', options.port ?? 0, (socket) =>
      socket ? resolve(socket) : reject(new Error(`uWS could not listen on port ${options.port ?? 0}`)),
    );
  });

  return {
    port: uWS.us_socket_local_port(listenSocket),
    close: async () => {
      uWS.us_listen_socket_close(listenSocket);
      for (const ws of [...open]) ws.close();
    },
  };
}
