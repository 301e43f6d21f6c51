import type { IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { type Identity, KeysUnavailableError, TokenError, type TokenVerifier, tokenOf } from '../auth/token.js';
import type { Config } from '../config.js';
import type { Metrics } from '../metrics.js';
import { clientAddress } from './client-address.js';

export const WS_PATH = '/ws';
const SHUTDOWN_REQUEST_MS = 1000;

declare module 'fastify' {
  interface FastifyInstance {
    /** Starts shutdown at the door: unfinished requests and late upgrades are dropped, no new socket waits. */
    closeAdmission(): void;
  }
  interface FastifyRequest {
    /** Who the token says the client is; set on admitted /ws upgrades when auth is on. */
    identity?: Identity;
  }
}

export interface AdmissionOptions {
  config: Config;
  metrics: Metrics;
  verifier: TokenVerifier | undefined;
}

type Refusal = 'origin' | 'token' | 'token_keys' | 'per_ip' | 'path' | 'handshake_timeout';

/**
 * Everything decided before a socket is upgraded, in one place: the handshake deadline and the
 * per-address cap on raw TCP sockets (so unfinished requests count), then for upgrades: only on
 * /ws, from an allowed origin, with a valid token when auth is on. Refusals are HTTP statuses,
 * never an open socket.
 */
export const admission = fp<AdmissionOptions>(
  async (app: FastifyInstance, { config, metrics, verifier }) => {
    const perAddress = new Map<string, number>();
    // Sockets whose first request has not arrived yet (the ones a slow client holds for nothing), with their deadline.
    const pending = new Map<Socket, ReturnType<typeof setTimeout>>();
    // The counted address of each socket; read at close, when the socket no longer knows its peer.
    const addressOf = new WeakMap<Socket, string>();
    const refuse = (reason: Refusal) => metrics.handshakesRefused.inc({ reason });

    const take = (address: string): boolean => {
      const n = perAddress.get(address) ?? 0;
      if (n >= config.MAX_CONNECTIONS_PER_IP) return false;
      perAddress.set(address, n + 1);
      return true;
    };
    const release = (address: string) => {
      const n = (perAddress.get(address) ?? 1) - 1;
      if (n <= 0) perAddress.delete(address);
      else perAddress.set(address, n);
    };

    let closing = false;
    app.server.on('connection', (socket: Socket) => {
      // Shutting down: a request sent at once still gets its 503; a silent socket may not hold the exit.
      if (closing) {
        setTimeout(() => socket.destroy(), SHUTDOWN_REQUEST_MS).unref();
        return;
      }
      // Behind a proxy every socket comes from the proxy: count per forwarded address at the upgrade instead.
      if (!config.TRUST_PROXY) {
        const address = socket.remoteAddress ?? 'unknown';
        if (!take(address)) {
          refuse('per_ip');
          socket.destroy();
          return;
        }
        addressOf.set(socket, address);
      }
      // Shared listeners and a timer dropped on arrival: nothing of admission stays per open socket.
      pending.set(socket, setTimeout(expired, config.HANDSHAKE_TIMEOUT_MS, socket).unref());
      socket.once('close', closed);
    });
    function expired(socket: Socket): void {
      if (!pending.delete(socket)) return;
      refuse('handshake_timeout');
      socket.destroy();
    }
    function settle(socket: Socket): void {
      clearTimeout(pending.get(socket));
      pending.delete(socket);
    }
    function closed(this: Socket): void {
      settle(this);
      const address = addressOf.get(this);
      if (address !== undefined) release(address);
    }
    // Over TLS the request's socket wraps the TCP one counted above.
    const arrived = (req: IncomingMessage) => {
      const socket = req.socket as Socket & { _parent?: Socket };
      settle(socket._parent ?? socket);
    };
    app.server.on('request', arrived);
    app.server.on('upgrade', arrived);
    // Fastify answers requests during shutdown with 503 and Connection: close, but an upgrade's
    // socket is not the HTTP server's to close: end it once that answer is written.
    app.server.on('upgrade', (_req: IncomingMessage, socket: Socket) => {
      if (!closing) return;
      socket.end();
      setTimeout(() => socket.destroy(), 1000).unref();
    });
    // Later requests on a kept-alive socket get the same deadline for their headers.
    app.server.headersTimeout = config.HANDSHAKE_TIMEOUT_MS;

    // A socket that never finished its request would hold the exit; drop them as shutdown starts.
    app.decorate('closeAdmission', () => {
      closing = true;
      for (const socket of pending.keys()) socket.destroy();
    });
    app.addHook('preClose', (done) => {
      app.closeAdmission();
      done();
    });

    const allowedOrigins = config.ALLOWED_ORIGINS.split(',')
      .map((o) => o.trim())
      .filter(Boolean);
    const originAllowed = (origin: string | undefined, host: string | undefined): boolean => {
      // Non-browser clients send no Origin, and could send any: the token, not the origin, guards them.
      if (origin === undefined) return true;
      if (allowedOrigins.includes('*') || allowedOrigins.includes(origin)) return true;
      return host !== undefined && (origin === `http://${host}` || origin === `https://${host}`);
    };

    const deny = (reply: FastifyReply, status: number, reason: Refusal, message: string) => {
      refuse(reason);
      if (status === 401) reply.header('www-authenticate', 'Bearer');
      return reply.code(status).header('connection', 'close').send({ statusCode: status, error: reason, message });
    };

    app.addHook('onRequest', async (req: FastifyRequest, reply: FastifyReply) => {
      if (!req.ws) return;
      if (req.routeOptions.url !== WS_PATH) {
        return deny(reply, 404, 'path', `WebSocket upgrades are served on ${WS_PATH} only`);
      }
      // One look, one spelling: names are NFC before the query schema checks them.
      const query = req.query as { name?: unknown };
      if (typeof query.name === 'string') query.name = query.name.normalize('NFC');
      const origin = req.headers.origin;
      if (!originAllowed(origin, req.headers.host)) {
        return deny(reply, 403, 'origin', `Origin ${JSON.stringify(origin)} is not allowed (ALLOWED_ORIGINS)`);
      }
      if (config.TRUST_PROXY) {
        const address = clientAddress(req.raw, true);
        if (!take(address)) return deny(reply, 429, 'per_ip', 'Too many connections from this address');
        req.raw.socket.once('close', () => release(address));
      }
      if (verifier) {
        const token = tokenOf(req.query, req.headers.authorization);
        if (!token) return deny(reply, 401, 'token', 'token missing: pass ?token= or an Authorization: Bearer header');
        try {
          req.identity = await verifier(token);
        } catch (err) {
          if (err instanceof TokenError) return deny(reply, 401, 'token', err.message);
          if (err instanceof KeysUnavailableError) {
            reply.header('retry-after', '5');
            return deny(reply, 503, 'token_keys', `${err.message}: retry later`);
          }
          throw err;
        }
      }
    });
  },
  { name: 'roomcast-admission', fastify: '5.x', dependencies: ['@fastify/websocket'] },
);
