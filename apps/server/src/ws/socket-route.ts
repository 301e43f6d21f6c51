import { randomBytes } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { decodeClientFrame, encodeServerEvent, peekRequestId } from '@roomcast/protocol';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { RawData, WebSocket } from 'ws';
import { AdapterUnavailableError } from '../adapters/adapter.js';
import { bindAccess } from '../auth/authorize.js';
import { watchExpiry } from '../auth/expiry.js';
import { handlers } from '../handlers/index.js';
import { Connection } from '../hub/connection.js';
import { debugOnlyLogLevel } from '../logger.js';
import { type Arrival, HandshakeQuery, readArrival } from './arrival.js';
import { disconnectReason, socketFailed } from './close-reason.js';
import { welcome } from './welcome.js';

export { HandshakeQuery };

const newId = () => randomBytes(9).toString('base64url');
const guestName = () => `guest-${randomBytes(2).toString('hex')}`;

/** A plain GET (a browser's address bar): say what this URL is instead of an empty 404. */
async function upgradeRequired(req: FastifyRequest, reply: FastifyReply): Promise<void> {
  if (req.ws) return;
  await reply
    .code(426)
    .header('upgrade', 'websocket')
    .header('connection', 'Upgrade')
    .type('text/plain; charset=utf-8')
    .send(
      'This is the Roomcast WebSocket endpoint: connect with a WebSocket client, ' +
        'e.g. ws://<host>/ws?name=ada&room=lobby. The chat page is at /.\n',
    );
}

/**
 * Lets go of what the upgrade leaves attached to an upgraded socket: the HTTP response Node
 * assigned to its TCP socket (and through it the request), and @fastify/websocket's error
 * listener, a closure over the Fastify request and reply.
 */
function release(socket: WebSocket, onError: (this: WebSocket, err: Error) => void): void {
  const tcp = (socket as unknown as { _socket: Socket & { _httpMessage?: ServerResponse | null } })._socket;
  tcp._httpMessage?.detachSocket(tcp);
  socket.removeAllListeners('error');
  socket.on('error', onError);
}

/** `GET /ws`: one connection's lifecycle: welcome, then its frames in order, then goodbye. */
export const socketRoute: FastifyPluginAsyncTypebox = async (app) => {
  const { hub, metrics, roomcastConfig: config } = app;
  const limits = {
    maxBufferedBytes: config.MAX_BUFFERED_BYTES,
    ratePerSecond: config.RATE_LIMIT_PER_SEC,
    rateBurst: config.RATE_LIMIT_BURST,
    coalesceWrites: config.COALESCE_WRITES,
  };

  const arrivals = new WeakMap<object, Arrival>();
  const preValidation = async (
    req: { query: HandshakeQuery; raw: object },
    reply: { code(n: number): { send(b: unknown): unknown } },
  ) => {
    const arrival = readArrival(req.query);
    if (typeof arrival === 'string')
      return reply.code(400).send({ statusCode: 400, error: 'Bad Request', message: arrival });
    arrivals.set(req.raw, arrival);
  };

  // What each socket's listeners need, found from the socket (their `this`): one set of
  // listeners for every socket, no closure, Fastify request or reply kept alive per connection.
  const owners = new WeakMap<WebSocket, Connection>();
  const expiries = new WeakMap<Connection, () => void>();

  function onMessage(this: WebSocket, raw: RawData, isBinary: boolean): void {
    const conn = owners.get(this);
    if (!conn) return;
    const verdict = conn.limiter.take();
    if (verdict !== 'ok') {
      metrics.dropped.inc({ reason: 'rate_limited' });
      // Each dropped frame still gets its one reply; a sender that keeps going is cut off.
      if (verdict === 'flood') conn.close('flood');
      else conn.sendError('rate_limited', undefined, isBinary ? undefined : peekRequestId(raw.toString()));
      return;
    }
    if (isBinary) {
      conn.sendError('binary_unsupported');
      return;
    }
    // handleFrame answers its own failures; the catch keeps one surprise from stalling the queue.
    conn.inbox = conn.inbox
      .then(() => handleFrame(conn, raw.toString()))
      .catch((err) => app.log.error({ err, clientId: conn.id }, 'frame handling failed'));
  }

  function onClose(this: WebSocket, code: number): void {
    const conn = owners.get(this);
    if (!conn) return;
    conn.socketClosed();
    expiries.get(conn)?.();
    metrics.disconnects.inc({ reason: disconnectReason(this, conn.closedBy, code) });
    hub.remove(conn);
    const fields = { clientId: conn.id, name: conn.name, code, reason: conn.closedBy };
    // The server cutting someone off (flood, slow consumer, dead peer) is news; shutdown and the peer leaving are not.
    if (conn.closedBy && conn.closedBy !== 'going_away') app.log.info(fields, 'closed by the server');
    else app.log.debug(fields, 'disconnected');
  }

  function onError(this: WebSocket, err: Error): void {
    socketFailed(app.log, this, err);
  }

  // Connects, joins and leaves log at debug: at info they would drown everything else at scale.
  const options = { websocket: true, logLevel: debugOnlyLogLevel(app.log), onRequest: upgradeRequired } as const;
  app.get('/ws', { ...options, schema: { querystring: HandshakeQuery }, preValidation }, (socket, req) => {
    release(socket, onError);
    if (hub.connections.size >= config.MAX_CONNECTIONS) {
      metrics.disconnects.inc({ reason: 'try_again_later' });
      socket.close(1013, 'Connection limit reached');
      return;
    }
    const arrival = arrivals.get(req.raw) ?? { room: 'lobby', positions: {} };
    // With auth the token says who this is; its `name` claim wins over the query's.
    const { identity } = req;
    const name = identity?.name ?? arrival.name ?? guestName();
    const conn = new Connection(socket, newId(), name, limits, metrics, identity?.userId);
    const access = {
      user: { id: conn.user.id, name, ...(identity ? { rooms: identity.rooms, claims: identity.claims } : {}) },
      authorize: app.auth.authorize,
      ...(app.auth.verify ? { verify: app.auth.verify, expiresAt: identity?.expiresAt } : {}),
    };
    bindAccess(conn, access);
    if (access.expiresAt !== undefined) expiries.set(conn, watchExpiry(conn, access));
    owners.set(socket, conn);

    // Frames are handled one at a time per connection, after the welcome: a `send` right
    // behind a `join` must see the join done. (Nothing is written before the welcome either way:
    // the connection holds its frames until then.) A connection that cannot be welcomed (its
    // adapter failed) is told to retry later.
    conn.inbox = welcome(hub, conn, arrival, config.RESUME_WINDOW_MS)
      .then(() =>
        app.log.debug({ clientId: conn.id, name: conn.name, room: arrival.room, rooms: [...conn.rooms] }, 'connected'),
      )
      .catch((err) => {
        app.log.error({ err, clientId: conn.id }, 'welcome failed');
        conn.close('internal_error');
      });
    socket.on('message', onMessage);
    socket.on('close', onClose);
  });

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
      if (event === 'join' || event === 'leave') {
        app.log.debug({ clientId: conn.id, room: outcome.result.room }, event === 'join' ? 'joined' : 'left');
      }
      if (id !== undefined) conn.send(encodeServerEvent('ack', { id, result: outcome.result }));
      outcome.after?.();
    } catch (err) {
      if (err instanceof AdapterUnavailableError) return conn.sendError('unavailable', undefined, id);
      app.log.error({ err, clientId: conn.id, event }, 'handler failed');
      conn.sendError('internal', undefined, id);
    }
  }
};
