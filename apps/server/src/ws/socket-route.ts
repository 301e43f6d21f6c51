import { randomBytes } from 'node:crypto';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import {
  decodeClientFrame,
  encodeServerEvent,
  PROTOCOL_VERSION,
  peekRequestId,
  RequestedName,
  RoomName,
} from '@roomcast/protocol';
import { Type } from '@sinclair/typebox';
import type { RawData } from 'ws';
import { bindAccess } from '../auth/authorize.js';
import { watchExpiry } from '../auth/expiry.js';
import { handlers } from '../handlers/index.js';
import { Connection } from '../hub/connection.js';
import { disconnectReason } from './close-reason.js';

export const HandshakeQuery = Type.Object({
  name: Type.Optional(RequestedName),
  room: Type.Optional(RoomName),
  token: Type.Optional(Type.String({ maxLength: 8192 })),
});

const newId = () => randomBytes(9).toString('base64url');
const guestName = () => `guest-${randomBytes(2).toString('hex')}`;

/** `GET /ws`: one connection's lifecycle: welcome, then its frames in order, then goodbye. */
export const socketRoute: FastifyPluginAsyncTypebox = async (app) => {
  const { hub, metrics, roomcastConfig: config } = app;
  const limits = {
    maxBufferedBytes: config.MAX_BUFFERED_BYTES,
    ratePerSecond: config.RATE_LIMIT_PER_SEC,
    rateBurst: config.RATE_LIMIT_BURST,
  };

  app.get('/ws', { websocket: true, schema: { querystring: HandshakeQuery } }, (socket, req) => {
    if (hub.connections.size >= config.MAX_CONNECTIONS) {
      metrics.disconnects.inc({ reason: 'try_again_later' });
      socket.close(1013, 'Connection limit reached');
      return;
    }
    // With auth the token says who this is; its `name` claim wins over the query's.
    const { identity } = req;
    const name = identity?.name ?? req.query.name ?? guestName();
    const conn = new Connection(socket, newId(), name, limits, metrics, identity?.userId);
    const access = {
      user: { id: conn.user.id, name, ...(identity ? { rooms: identity.rooms, claims: identity.claims } : {}) },
      authorize: app.auth.authorize,
      ...(app.auth.verify ? { verify: app.auth.verify, expiresAt: identity?.expiresAt } : {}),
    };
    bindAccess(conn, access);
    const stopExpiry = watchExpiry(conn, access);
    hub.add(conn);

    // Frames are handled one at a time per connection, after the welcome: a `send` right
    // behind a `join` must see the join done, and nothing may precede the welcome.
    // A connection that cannot be welcomed (its adapter failed) is told to retry later.
    let queue: Promise<unknown> = welcome(conn, req.query.room ?? 'lobby').catch((err) => {
      app.log.error({ err, clientId: conn.id }, 'welcome failed');
      conn.close('internal_error');
    });

    socket.on('message', (raw: RawData, isBinary: boolean) => {
      if (!conn.limiter.take()) {
        metrics.dropped.inc({ reason: 'rate_limited' });
        // Each dropped frame still gets its one reply; a sender that keeps going is cut off.
        if (conn.limiter.strikes > config.RATE_LIMIT_BURST) return conn.close('flood');
        return conn.sendError('rate_limited', undefined, isBinary ? undefined : peekRequestId(raw.toString()));
      }
      if (isBinary) return conn.sendError('binary_unsupported');
      // handleFrame answers its own failures; the catch keeps one surprise from stalling the queue.
      queue = queue
        .then(() => handleFrame(conn, raw.toString()))
        .catch((err) => app.log.error({ err, clientId: conn.id }, 'frame handling failed'));
    });
    socket.on('pong', () => {
      conn.alive = true;
    });
    socket.on('close', (code: number) => {
      stopExpiry();
      metrics.disconnects.inc({ reason: disconnectReason(socket, conn.closedBy, code) });
      hub.remove(conn);
      app.log.debug({ clientId: conn.id, code }, 'disconnected');
    });
  });

  async function welcome(conn: Connection, room: string): Promise<void> {
    // The welcome's room goes through the join handler, so its authorization is the join's.
    const outcome = await handlers.join(hub, conn, { room });
    const members = outcome.ok ? outcome.result.members : [];
    conn.send(
      encodeServerEvent('welcome', {
        clientId: conn.id,
        userId: conn.user.id,
        name: conn.name,
        rooms: [...conn.rooms],
        members: conn.rooms.has(room) ? { [room]: members } : {},
        protocol: PROTOCOL_VERSION,
      }),
    );
    if (!outcome.ok && outcome.code === 'forbidden') conn.sendError(outcome.code, outcome.message);
  }

  async function handleFrame(conn: Connection, raw: string): Promise<void> {
    const decoded = decodeClientFrame(raw);
    if (!decoded.ok) {
      const { code, message, id } = decoded.error;
      return conn.sendError(code, message, id);
    }
    const { event, data, id } = decoded.frame;
    metrics.framesIn.inc({ event });
    try {
      // The map pairs each event with its handler; TypeScript cannot correlate the union itself.
      const outcome = await (handlers[event] as (typeof handlers)['join'])(hub, conn, data as never);
      if (!outcome.ok) return conn.sendError(outcome.code, outcome.message, id);
      if (id !== undefined) conn.send(encodeServerEvent('ack', { id, result: outcome.result }));
    } catch (err) {
      app.log.error({ err, clientId: conn.id, event }, 'handler failed');
      conn.sendError('internal', undefined, id);
    }
  }
};
