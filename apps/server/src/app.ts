import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import websocket from '@fastify/websocket';
import Fastify, { type FastifyBaseLogger, type FastifyInstance, type FastifyServerOptions } from 'fastify';
import type { Adapter } from './adapters/adapter.js';
import { MemoryAdapter, MemoryBus } from './adapters/memory/index.js';
import { redisAdapterFromConfig } from './adapters/redis/index.js';
import { type Config, defaultConfig } from './config.js';
import { healthRoutes } from './http/health.js';
import { metricsRoutes } from './http/metrics.js';
import { roomRoutes } from './http/rooms.js';
import { webRoutes } from './http/web.js';
import { hubPlugin } from './hub/hub-plugin.js';
import { loggerOptions } from './logger.js';
import { createMetrics } from './metrics.js';
import { socketRoute } from './ws/socket-route.js';

export interface BuildAppOptions {
  config?: Partial<Config>;
  /** Defaults to a single-node in-memory adapter. */
  adapter?: Adapter;
  /** Fastify's logger option; defaults to pino at LOG_LEVEL in LOG_FORMAT. */
  logger?: FastifyServerOptions['logger'] | FastifyBaseLogger;
  /** Collect process metrics (CPU, memory, event loop) too; off for apps embedded in tests. */
  defaultMetrics?: boolean;
  /** How long shutdown waits for clients to finish the close handshake before cutting them off. */
  closeGraceMs?: number;
  /** Where the built chat page is (ending in /); defaults to dist/web. Browser tests build their own. */
  webRoot?: string;
}

/** Builds the Roomcast server without listening, so tests and embedders control the port. */
export async function buildApp(options: BuildAppOptions = {}): Promise<FastifyInstance> {
  const config: Config = { ...defaultConfig, ...options.config };
  const logger = options.logger ?? loggerOptions(config);
  const app = Fastify({
    ...(typeof logger === 'object' && 'child' in logger ? { loggerInstance: logger } : { logger }),
    // The schema limits text; this bounds the whole publish body.
    bodyLimit: config.MAX_FRAME_BYTES,
    // Reject unknown fields rather than silently stripping them: a typo should be an error.
    ajv: { customOptions: { removeAdditional: false } },
  }).withTypeProvider<TypeBoxTypeProvider>();

  const metrics = createMetrics({ defaultMetrics: options.defaultMetrics ?? false });
  await app.register(hubPlugin, { config, metrics, adapter: options.adapter ?? defaultAdapter(config, app.log) });

  const graceMs = options.closeGraceMs ?? 2000;
  await app.register(websocket, {
    options: { maxPayload: config.MAX_FRAME_BYTES, clientTracking: true },
    // Tell every client to come back later (1001), give them a moment to close, then cut the rest.
    preClose(done) {
      const wss = app.websocketServer;
      app.hub.closeAll();
      const force = setTimeout(() => {
        for (const client of wss.clients) client.terminate();
      }, graceMs);
      wss.close(() => {
        clearTimeout(force);
        done();
      });
    },
  });
  await app.register(socketRoute);
  await app.register(healthRoutes);
  await app.register(roomRoutes);
  await app.register(metricsRoutes);
  await app.register(webRoutes, { root: options.webRoot });
  return app;
}

/** `REDIS_URL` picks the Redis adapter (many nodes as one); without it, one node in memory. */
function defaultAdapter(config: Config, log: FastifyBaseLogger): Adapter {
  if (config.REDIS_URL) return redisAdapterFromConfig(config, log);
  return new MemoryAdapter(
    new MemoryBus({ historySize: config.HISTORY_SIZE, historyMaxBytes: config.HISTORY_MAX_BYTES }),
  );
}
