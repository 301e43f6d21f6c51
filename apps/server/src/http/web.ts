import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import type { FastifyPluginAsync } from 'fastify';

// The same folder whether this file runs from src/ (dev, tests) or dist/.
const builtWebRoot = fileURLToPath(new URL('../../dist/web/', import.meta.url));

// Nothing inline may run; the protocol validators fall back to interpreting when eval is refused.
const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "frame-ancestors 'none'",
].join('; ');

export interface WebRoutesOptions {
  /** Folder with the built page (ending in /); defaults to dist/web. */
  root?: string;
}

/** `GET /`: the browser chat page, built into dist/web by the server's `build` (or `build:web`). */
export const webRoutes: FastifyPluginAsync<WebRoutesOptions> = async (app, options) => {
  const webRoot = options.root ?? builtWebRoot;
  if (!existsSync(`${webRoot}index.html`)) {
    app.log.warn({ webRoot }, 'chat page not built; run `pnpm --filter @roomcast/server build:web`');
    app.get('/', async (_req, reply) =>
      reply
        .code(503)
        .type('text/plain; charset=utf-8')
        .send('The chat page is not built. Run `pnpm --filter @roomcast/server build:web`, then restart.\n'),
    );
    return;
  }
  await app.register(fastifyStatic, {
    root: webRoot,
    wildcard: false,
    decorateReply: false,
    setHeaders(reply, path) {
      reply.header('x-content-type-options', 'nosniff');
      if (path.endsWith('.html')) {
        reply.header('content-security-policy', CONTENT_SECURITY_POLICY);
        reply.header('cache-control', 'no-cache');
      }
    },
  });
};
