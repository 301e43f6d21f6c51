import { readFileSync } from 'node:fs';
import { type TypeBoxTypeProvider, TypeBoxValidatorCompiler } from '@fastify/type-provider-typebox';
import websocket from '@fastify/websocket';
import Fastify, { type FastifyBaseLogger, type FastifyInstance, type FastifyServerOptions } from 'fastify';
import type { Adapter } from './adapters/adapter.js';
import { MemoryAdapter, MemoryBus } from './adapters/memory/index.js';
import { redisAdapterFromConfig } from './adapters/redis/index.js';
import { type Authorize, roomsClaim } from './auth/authorize.js';
import { createVerifier, type TokenVerifier } from './auth/token.js';
import { type Config, defaultConfig } from './config.js';
import { healthRoutes } from './http/health.js';
import { metricsRoutes } from './http/metrics.js';
import { readyRoutes } from './http/ready.js';
import { roomRoutes } from './http/rooms.js';
import { webRoutes } from './http/web.js';
import { hubPlugin } from './hub/hub-plugin.js';
import { loggerOptions } from './logger.js';
import { createMetrics, type Metrics } from './metrics.js';
import { admission } from './ws/admission.js';
import { socketFailed } from './ws/close-reason.js';
import { socketRoute } from './ws/socket-route.js';

declare module 'fastify' {
  interface FastifyInstance {
    /** The token verifier (undefined with auth off) and the one authorization decision. */
    auth: { verify: TokenVerifier | undefined; authorize: Authorize };
  }
}

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
  /**
   * Decides whether a user may join, send to or read (listings) a room; may be async. Used by every
   * path that joins or sends. Default: the token's `rooms` claim (exact names or `prefix*`), else allowed.
   */
  authorize?: Authorize;
  /** What GET /metrics serves instead of this app's registry (a cluster worker: every worker's, aggregated). */
  metricsText?: () => Promise<string>;
}

function redactedRequest(req: { method: string; url: string; id: string }) {
  return { id: req.id, method: req.method, url: req.url.replace(/([?&]token=)[^&]*/g, '$1[redacted]') };
}

/** Builds the Roomcast server without listening, so tests and embedders control the port. */
export async function buildApp(options: BuildAppOptions = {}): Promise<FastifyInstance> {
  const config: Config = { ...defaultConfig, ...options.config };
  const given = options.logger ?? loggerOptions(config);
  // Tokens travel in the /ws query string (browsers cannot set headers): keep them out of the logs.
  const logger =
    typeof given === 'object' && given !== null && !('child' in given)
      ? { ...given, serializers: { req: redactedRequest, ...given.serializers } }
      : given;
  const tls = config.TLS_CERT_FILE
    ? { https: { cert: readFileSync(config.TLS_CERT_FILE), key: readFileSync(config.TLS_KEY_FILE) } }
    : {};
  const app = Fastify({
    ...tls,
    ...(typeof logger === 'object' && 'child' in logger ? { loggerInstance: logger } : { logger }),
    // The schema limits text; this bounds the whole publish body.
    bodyLimit: config.MAX_FRAME_BYTES,
    // Reject unknown fields rather than silently stripping them: a typo should be an error.
    ajv: { customOptions: { removeAdditional: false } },
  }).withTypeProvider<TypeBoxTypeProvider>();
  // TypeBox validates requests with the protocol's own rules (Unicode-aware names and text), and
  // never coerces a body: `{"text":5}` is a 400, not "5". Query strings are still converted.
  app.setValidatorCompiler(TypeBoxValidatorCompiler);
  app.decorate('auth', { verify: createVerifier(config), authorize: options.authorize ?? roomsClaim });

  const metrics = createMetrics({ defaultMetrics: options.defaultMetrics ?? false });
  await app.register(hubPlugin, {
    config,
    metrics,
    adapter: options.adapter ?? defaultAdapter(config, app.log, metrics),
  });

  const graceMs = options.closeGraceMs ?? 2000;
  await app.register(websocket, {
    options: {
      maxPayload: config.MAX_FRAME_BYTES,
      clientTracking: true,
      perMessageDeflate: config.PER_MESSAGE_DEFLATE,
    },
    errorHandler(err, socket, req) {
      socketFailed(req.log, socket, err);
    },
    // Tell every client to come back later (1001), give them a moment to close, then cut the rest.
    preClose(done) {
      // First the door, so nothing new arrives while clients are told to go.
      app.closeAdmission();
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
  // Which node took a socket, on its 101 answer: cheap, and how clients and tests tell workers apart.
  app.websocketServer.on('headers', (headers) => headers.push(`x-roomcast-node: ${app.hub.adapter.node}`));
  await app.register(admission, { config, metrics, verifier: app.auth.verify });
  await app.register(socketRoute);
  await app.register(readyRoutes);
  await app.register(healthRoutes);
  await app.register(roomRoutes);
  await app.register(metricsRoutes, { text: options.metricsText });
  await app.register(webRoutes, { root: options.webRoot });
  return app;
}

/** `REDIS_URL` picks the Redis adapter (many nodes as one); without it, one node in memory. */
function defaultAdapter(config: Config, log: FastifyBaseLogger, metrics: Metrics): Adapter {
  if (config.REDIS_URL) {
    return redisAdapterFromConfig(config, log, (reason, n) => metrics.dropped.inc({ reason: `redis_${reason}` }, n));
  }
  return new MemoryAdapter(
    new MemoryBus({ historySize: config.HISTORY_SIZE, historyMaxBytes: config.HISTORY_MAX_BYTES }),
  );
}
