import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { requireBackend } from './access.js';

export const metricsRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.get('/metrics', { onRequest: requireBackend(app.roomcastConfig) }, async (_req, reply) => {
    reply.type(app.metrics.registry.contentType);
    return app.metrics.registry.metrics();
  });
};
