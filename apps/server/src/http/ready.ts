import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { debugOnlyLogLevel } from '../logger.js';

// Readiness is one node's (with WORKERS, one worker's): say which answered.
const Node = Type.String({ description: 'The node that answered' });
const NotReady = Type.Union([Type.Literal('starting'), Type.Literal('shutting_down'), Type.Literal('adapter')]);

/** `GET /readyz`: whether a load balancer should send new clients here (GET /healthz says whether it is alive). */
export const readyRoutes: FastifyPluginAsyncTypebox = async (app) => {
  let closing = false;
  app.addHook('preClose', (done) => {
    closing = true;
    done();
  });

  app.get(
    '/readyz',
    {
      logLevel: debugOnlyLogLevel(app.log), // polled by load balancers
      schema: {
        response: {
          200: Type.Object({ status: Type.Literal('ready'), adapter: Type.String(), node: Node }),
          503: Type.Object({ status: Type.Literal('not_ready'), reason: NotReady, adapter: Type.String(), node: Node }),
        },
      },
    },
    async (_req, reply) => {
      const reason = closing
        ? 'shutting_down'
        : !app.server.listening
          ? 'starting'
          : !app.hub.adapter.ready()
            ? 'adapter'
            : undefined;
      const { name: adapter, node } = app.hub.adapter;
      if (reason) return reply.code(503).send({ status: 'not_ready' as const, reason, adapter, node });
      return { status: 'ready' as const, adapter, node };
    },
  );
};
