import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { debugOnlyLogLevel } from '../logger.js';

export const healthRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.get(
    '/healthz',
    {
      logLevel: debugOnlyLogLevel(app.log), // polled by load balancers
      schema: {
        response: {
          200: Type.Object({
            status: Type.Literal('ok'),
            adapter: Type.String(),
            node: Type.String({ description: "This node's id in the cluster" }),
            connections: Type.Integer({ description: 'Connections on this node' }),
            uptimeSeconds: Type.Number(),
          }),
        },
      },
    },
    async () => ({
      status: 'ok' as const,
      adapter: app.hub.adapter.name,
      node: app.hub.adapter.node,
      connections: app.hub.connections.size,
      uptimeSeconds: Math.round(process.uptime()),
    }),
  );

  // Readiness for a load balancer: not ready while the adapter's backing service (Redis) is unreachable.
  app.get(
    '/readyz',
    {
      schema: {
        response: {
          200: Type.Object({ status: Type.Literal('ready'), adapter: Type.String() }),
          503: Type.Object({ status: Type.Literal('unavailable'), adapter: Type.String() }),
        },
      },
    },
    async (_req, reply) => {
      const adapter = app.hub.adapter.name;
      if (app.hub.adapter.ready()) return { status: 'ready' as const, adapter };
      return reply.code(503).send({ status: 'unavailable' as const, adapter });
    },
  );
};
