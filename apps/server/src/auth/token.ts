import { createPublicKey } from 'node:crypto';
import { compileValidator, RequestedName, SERVER_USER_ID, UserId } from '@roomcast/protocol';
import { createRemoteJWKSet, errors, type JWTPayload, type JWTVerifyGetKey, jwtVerify } from 'jose';
import type { Config } from '../config.js';

/** Who a valid token says the bearer is. */
export interface Identity {
  userId: string;
  /** The `name` claim, NFC-normalized; absent when the token has none. */
  name?: string;
  /** The `rooms` claim: room names and `prefix*` patterns; absent means every room. */
  rooms?: string[];
  /** `exp` in ms since epoch. */
  expiresAt?: number;
  claims: JWTPayload;
}

/** Why a token was refused; `message` is safe to show the client. */
export class TokenError extends Error {
  override name = 'TokenError';
}

/** The token could not be checked because the key set (AUTH_JWKS_URL) could not be fetched: ours to fix, so retryable. */
export class KeysUnavailableError extends Error {
  override name = 'KeysUnavailableError';
}

/**
 * Failures of fetching the key set, not of the token: a timeout, a non-200 or unparsable answer
 * (jose's generic error), a malformed set, or the fetch itself failing (not a JOSE error at all).
 */
const keySetFailed = (err: unknown) =>
  err instanceof errors.JWKSTimeout ||
  err instanceof errors.JWKSInvalid ||
  !(err instanceof errors.JOSEError) ||
  err.code === 'ERR_JOSE_GENERIC';

export type TokenVerifier = (token: string) => Promise<Identity>;

const checkUserId = compileValidator(UserId);
const checkName = compileValidator(RequestedName);

/** The configured verifier, or undefined when auth is off (no AUTH_JWT_* / AUTH_JWKS_URL set). */
export function createVerifier(config: Config): TokenVerifier | undefined {
  let key: Uint8Array | JWTVerifyGetKey | ReturnType<typeof createPublicKey>;
  let algorithms: string[] | undefined;
  let remote = false;
  if (config.AUTH_JWT_SECRET) {
    key = new TextEncoder().encode(config.AUTH_JWT_SECRET);
    algorithms = ['HS256'];
  } else if (config.AUTH_JWT_PUBLIC_KEY) {
    const publicKey = createPublicKey(config.AUTH_JWT_PUBLIC_KEY.replace(/\\n/g, '\n'));
    key = publicKey;
    algorithms = publicKey.asymmetricKeyType === 'ec' ? ['ES256'] : ['RS256'];
  } else if (config.AUTH_JWKS_URL) {
    key = createRemoteJWKSet(new URL(config.AUTH_JWKS_URL), { cacheMaxAge: config.AUTH_JWKS_CACHE_MS });
    remote = true;
  } else {
    return undefined;
  }
  const options = {
    ...(algorithms ? { algorithms } : {}),
    ...(config.AUTH_JWT_ISSUER ? { issuer: config.AUTH_JWT_ISSUER } : {}),
    ...(config.AUTH_JWT_AUDIENCE ? { audience: config.AUTH_JWT_AUDIENCE } : {}),
  };

  return async (token) => {
    let payload: JWTPayload;
    try {
      // One call signature per key kind; jose picks the right overload at runtime.
      ({ payload } = await jwtVerify(token, key as Uint8Array, options));
    } catch (err) {
      if (remote && keySetFailed(err))
        throw new KeysUnavailableError('the token key set (AUTH_JWKS_URL) is unreachable');
      throw new TokenError(describe(err));
    }
    return identityOf(payload);
  };
}

function describe(err: unknown): string {
  if (err instanceof errors.JWTExpired) return 'token expired';
  if (err instanceof errors.JWTClaimValidationFailed) return `token claim "${err.claim}" invalid: ${err.reason}`;
  if (err instanceof errors.JWSSignatureVerificationFailed) return 'token signature invalid';
  if (err instanceof errors.JOSEAlgNotAllowed) return 'token algorithm not allowed';
  if (err instanceof errors.JWKSNoMatchingKey) return 'token signed by an unknown key';
  return 'token malformed';
}

function identityOf(claims: JWTPayload): Identity {
  const { sub, exp } = claims;
  if (typeof sub !== 'string' || !checkUserId.Check(sub)) throw new TokenError('token claim "sub" missing or invalid');
  if (sub === SERVER_USER_ID) throw new TokenError(`token claim "sub" may not be "${SERVER_USER_ID}"`);
  const identity: Identity = { userId: sub, claims };
  if (claims.name !== undefined) {
    const name = typeof claims.name === 'string' ? claims.name.normalize('NFC') : undefined;
    if (!checkName.Check(name)) throw new TokenError('token claim "name" is not a valid display name');
    identity.name = name;
  }
  if (claims.rooms !== undefined) {
    const { rooms } = claims;
    if (!Array.isArray(rooms) || !rooms.every((r) => typeof r === 'string'))
      throw new TokenError('token claim "rooms" must be an array of strings');
    identity.rooms = rooms;
  }
  if (exp !== undefined) identity.expiresAt = exp * 1000;
  return identity;
}

/** The token of a request: the `token` query parameter (browsers cannot set headers on a WebSocket) or a Bearer header. */
export function tokenOf(query: unknown, authorization: string | undefined): string | undefined {
  const fromQuery = (query as { token?: unknown } | undefined)?.token;
  if (typeof fromQuery === 'string' && fromQuery !== '') return fromQuery;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? '');
  return match?.[1];
}
