import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { AuthUser } from '../auth/authorize.js';
import { TokenError, tokenOf } from '../auth/token.js';
import type { Config } from '../config.js';
import { clientAddress, isLoopback } from '../ws/client-address.js';

const digest = (value: string) => createHash('sha256').update(value).digest();

/** Compared in constant time (through a hash, so lengths leak nothing either). */
function keyMatches(given: string | undefined, key: string): boolean {
  return given !== undefined && timingSafeEqual(digest(given), digest(key));
}

function presentedKey(req: FastifyRequest): string | undefined {
  const header = req.headers['x-api-key'];
  if (typeof header === 'string') return header;
  return /^Bearer\s+(\S+)\s*$/i.exec(req.headers.authorization ?? '')?.[1];
}

const unauthorized = (reply: FastifyReply, message: string) =>
  reply.code(401).header('www-authenticate', 'Bearer').send({ statusCode: 401, error: 'Unauthorized', message });

/**
 * The backend's routes (publish, metrics): with API_KEY set, that key as a Bearer token or
 * x-api-key; without it, loopback clients only, so a fresh server is not an open relay.
 */
export function requireBackend(config: Config) {
  return async (req: FastifyRequest, reply: FastifyReply) => {
    if (config.API_KEY) {
      if (!keyMatches(presentedKey(req), config.API_KEY)) return unauthorized(reply, 'API key missing or wrong');
      return;
    }
    if (!isLoopback(clientAddress(req.raw, config.TRUST_PROXY))) {
      return reply.code(403).send({
        statusCode: 403,
        error: 'Forbidden',
        message: 'Set API_KEY to call this from another host; without it only loopback clients may',
      });
    }
  };
}

/** Who may see a listing: everyone (auth off, or the API key) or one token's user. */
export type Viewer = { all: true } | { all: false; user: AuthUser };

declare module 'fastify' {
  interface FastifyRequest {
    viewer?: Viewer;
  }
}

/** Listings follow the sockets' rule: with auth on, a valid user token (seeing what it may read) or the API key. */
export function requireViewer(config: Config) {
  return async (req: FastifyRequest, reply: FastifyReply) => {
    const verify = req.server.auth.verify;
    if (!verify) {
      req.viewer = { all: true };
      return;
    }
    if (config.API_KEY && keyMatches(presentedKey(req), config.API_KEY)) {
      req.viewer = { all: true };
      return;
    }
    const token = tokenOf(req.query, req.headers.authorization);
    if (!token) return unauthorized(reply, 'token missing: pass an Authorization: Bearer header');
    try {
      const identity = await verify(token);
      req.viewer = {
        all: false,
        user: {
          id: identity.userId,
          name: identity.name ?? identity.userId,
          rooms: identity.rooms,
          claims: identity.claims,
        },
      };
    } catch (err) {
      if (err instanceof TokenError) return unauthorized(reply, err.message);
      throw err;
    }
  };
}

/** Whether the viewer may read a room, by the one authorization decision. */
export async function mayRead(req: FastifyRequest, room: string): Promise<boolean> {
  const viewer = req.viewer;
  if (!viewer || viewer.all) return true;
  return (await req.server.auth.authorize({ user: viewer.user, room, action: 'read' })) === true;
}
