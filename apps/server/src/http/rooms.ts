import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { DisplayName, MessageText, RoomName, Seq, User } from '@roomcast/protocol';
import { Type } from '@sinclair/typebox';
import { AdapterUnavailableError } from '../adapters/adapter.js';
import { debugOnlyLogLevel } from '../logger.js';

const RoomParams = Type.Object({ room: RoomName });

/** Rooms, presence and the server-side publish API (what Centrifugo and Pusher users call from their backend). */
export const roomRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { hub } = app;

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
      schema: {
        description: 'Rooms with members on this node',
        response: {
          200: Type.Object({
            rooms: Type.Array(Type.Object({ room: RoomName, members: Type.Integer() })),
            scope: Type.Literal('node'),
          }),
        },
      },
    },
    async () => ({ rooms: hub.roomNames(), scope: 'node' as const }),
  );

  app.get(
    '/rooms/:room/members',
    {
      logLevel: debugOnlyLogLevel(app.log),
      schema: {
        params: RoomParams,
        response: { 200: Type.Object({ room: RoomName, members: Type.Array(User) }) },
      },
    },
    async (req) => ({ room: req.params.room, members: await hub.members(req.params.room) }),
  );

  app.post(
    '/rooms/:room/messages',
    {
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
      const from = { id: 'server', name: req.body.from ?? 'server' };
      const message = await hub.publish(room, { room, from, text: req.body.text, sentAt: Date.now() }, 'http');
      return { room, seq: message.seq, recipients: await hub.recipients(room), scope: 'cluster' as const };
    },
  );
};
