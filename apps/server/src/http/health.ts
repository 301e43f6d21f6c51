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
            scope: Type.Literal('node', {
              description: 'What connections counts: this node only (with WORKERS, the worker that answered)',
            }),
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
      scope: 'node' as const,
      uptimeSeconds: Math.round(process.uptime()),
    }),
  );
};
