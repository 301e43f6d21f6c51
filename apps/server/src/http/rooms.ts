import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { DisplayName, MemberCursor, MessageText, RoomName, SERVER_USER_ID, Seq, User } from '@roomcast/protocol';
import { Type } from '@sinclair/typebox';
import { AdapterUnavailableError } from '../adapters/adapter.js';
import { wireUser } from '../hub/hub.js';
import { debugOnlyLogLevel } from '../logger.js';
import { mayRead, requireBackend, requireViewer } from './access.js';

const RoomParams = Type.Object({ room: RoomName });

export const MAX_PAGE = 1000;
const RoomsQuery = Type.Object(
  {
    // A string pattern, not an integer: query conversion would quietly turn "1.5" into 1.
    limit: Type.Optional(
      Type.String({ pattern: '^(?:[1-9][0-9]{0,2}|1000)$', description: `Page size, 1-${MAX_PAGE}; default 100` }),
    ),
    cursor: Type.Optional(Type.String({ minLength: 1, maxLength: 200, pattern: '^[A-Za-z0-9_-]+$' })),
    token: Type.Optional(Type.String({ maxLength: 8192 })),
  },
  { additionalProperties: false },
);

// The cursor is the last room of the previous page; opaque to callers so its form may change.
const encodeCursor = (room: string) => Buffer.from(room).toString('base64url');
const decodeCursor = (cursor: string) => Buffer.from(cursor, 'base64url').toString();

/** Rooms, presence and the server-side publish API (what Centrifugo and Pusher users call from their backend). */
export const roomRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { hub, roomcastConfig: config } = app;
  const viewer = requireViewer(config);

  // The cluster's backing service is down: nothing was published anywhere; retry later.
  app.setErrorHandler((err, _req, reply) => {
    if (!(err instanceof AdapterUnavailableError)) throw err;
    return reply
      .code(503)
      .send({ statusCode: 503, code: 'unavailable', error: 'Service Unavailable', message: err.message });
  });

  app.get(
    '/rooms',
    {
      logLevel: debugOnlyLogLevel(app.log), // the chat page polls it
      preHandler: viewer,
      schema: {
        description: 'Rooms with members on this node, by name, a page at a time',
        querystring: RoomsQuery,
        response: {
          200: Type.Object({
            rooms: Type.Array(Type.Object({ room: RoomName, members: Type.Integer() })),
            nextCursor: Type.Optional(Type.String()),
            scope: Type.Literal('node'),
            node: Type.String({ description: 'The node whose rooms these are (with WORKERS, one worker)' }),
          }),
        },
      },
    },
    async (req) => {
      const limit = req.query.limit === undefined ? 100 : Number(req.query.limit);
      const after = req.query.cursor === undefined ? undefined : decodeCursor(req.query.cursor);
      const candidates = hub
        .roomNames()
        .filter((r) => after === undefined || r.room > after)
        .sort((a, b) => (a.room < b.room ? -1 : 1));
      const rooms: typeof candidates = [];
      for (const r of candidates) {
        if (rooms.length === limit) break;
        if (await mayRead(req, r.room)) rooms.push(r);
      }
      const last = rooms.at(-1);
      const more = last !== undefined && rooms.length === limit && candidates.at(-1) !== last;
      const scope = 'node' as const;
      const node = hub.adapter.node;
      return more ? { rooms, nextCursor: encodeCursor(last.room), scope, node } : { rooms, scope, node };
    },
  );

  app.get(
    '/rooms/:room/members',
    {
      logLevel: debugOnlyLogLevel(app.log),
      preHandler: viewer,
      schema: {
        params: RoomParams,
        querystring: Type.Object(
          {
            token: Type.Optional(Type.String({ maxLength: 8192 })),
            limit: Type.Optional(
              Type.String({
                pattern: '^(?:[1-9][0-9]{0,2}|1000)$',
                description: `Page size, 1-${MAX_PAGE}; without limit or cursor, every member in one answer`,
              }),
            ),
            cursor: Type.Optional(MemberCursor),
          },
          { additionalProperties: false },
        ),
        response: {
          200: Type.Object({
            room: RoomName,
            members: Type.Array(User),
            memberCount: Type.Integer({ description: 'Members of the room across the cluster' }),
            nextCursor: Type.Optional(MemberCursor),
          }),
          403: Type.Object({ statusCode: Type.Literal(403), error: Type.String(), message: Type.String() }),
        },
      },
    },
    async (req, reply) => {
      const { room } = req.params;
      if (!(await mayRead(req, room))) {
        return reply
          .code(403)
          .send({ statusCode: 403 as const, error: 'forbidden', message: `Not allowed to read room "${room}"` });
      }
      const { limit, cursor } = req.query;
      // Unpaged unless asked: callers from before paging existed still get the whole list, as it was.
      if (limit === undefined && cursor === undefined) {
        const members = await hub.members(room);
        return { room, members, memberCount: members.length };
      }
      const page = await hub.memberPage(room, cursor, limit === undefined ? 100 : Number(limit));
      const members = page.members.map(wireUser);
      const next = page.nextCursor === undefined ? {} : { nextCursor: page.nextCursor };
      return { room, members, memberCount: page.memberCount, ...next };
    },
  );

  app.post(
    '/rooms/:room/messages',
    {
      onRequest: requireBackend(config),
      // Names are NFC everywhere; normalize before the schema checks it.
      preValidation: async (req) => {
        const body = req.body as { from?: unknown } | null;
        if (body && typeof body === 'object' && typeof body.from === 'string') body.from = body.from.normalize('NFC');
      },
      schema: {
        params: RoomParams,
        body: Type.Object({ text: MessageText, from: Type.Optional(DisplayName) }, { additionalProperties: false }),
        response: {
          200: Type.Object({
            room: RoomName,
            seq: Seq,
            recipients: Type.Integer({ description: 'Members of the room across the cluster when it was sent' }),
            scope: Type.Literal('cluster'),
          }),
        },
      },
    },
    async (req) => {
      const { room } = req.params;
      // The id is always the server's: a backend may label a message, never pass it off as a user's.
      const from = { id: SERVER_USER_ID, name: req.body.from ?? SERVER_USER_ID };
      const message = await hub.publish(room, { room, from, text: req.body.text, sentAt: Date.now() }, 'http');
      return { room, seq: message.seq, recipients: await hub.recipients(room), scope: 'cluster' as const };
    },
  );
};
