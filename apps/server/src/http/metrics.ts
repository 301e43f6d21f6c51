import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { debugOnlyLogLevel } from '../logger.js';

export const metricsRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.get('/metrics', { logLevel: debugOnlyLogLevel(app.log) }, async (_req, reply) => {
    reply.type(app.metrics.registry.contentType);
    return app.metrics.registry.metrics();
  });
};
