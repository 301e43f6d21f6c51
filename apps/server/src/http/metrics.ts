import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { debugOnlyLogLevel } from '../logger.js';
import { requireBackend } from './access.js';

export const metricsRoutes: FastifyPluginAsyncTypebox<{ text?: (() => Promise<string>) | undefined }> = async (
  app,
  { text },
) => {
  const options = { logLevel: debugOnlyLogLevel(app.log), onRequest: requireBackend(app.roomcastConfig) };
  app.get('/metrics', options, async (_req, reply) => {
    reply.type(app.metrics.registry.contentType);
    return text ? text() : app.metrics.registry.metrics();
  });
};
