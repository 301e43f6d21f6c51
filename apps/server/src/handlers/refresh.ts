import { accessOf } from '../auth/authorize.js';
import { KeysUnavailableError, TokenError } from '../auth/token.js';
import type { Handler } from './handler.js';
import { fail } from './handler.js';

/** A fresh token for the same user pushes the connection's expiry back; without auth it changes nothing. */
export const refresh: Handler<'refresh'> = async (_hub, conn, { token }) => {
  const access = accessOf(conn);
  if (!access?.verify) return { ok: true, result: {} };
  let identity: Awaited<ReturnType<typeof access.verify>>;
  try {
    identity = await access.verify(token);
  } catch (err) {
    if (err instanceof TokenError) return fail('forbidden', `Refresh refused: ${err.message}`);
    // The old expiry stands; the client may retry before it.
    if (err instanceof KeysUnavailableError) return fail('unavailable', `Refresh not checked: ${err.message}`);
    throw err;
  }
  if (identity.userId !== access.user.id) return fail('forbidden', 'Refresh refused: the token is for another user');
  access.expiresAt = identity.expiresAt;
  return { ok: true, result: identity.expiresAt === undefined ? {} : { expiresAt: identity.expiresAt } };
};
