import type { Connection } from '../hub/connection.js';
import type { ConnectionAccess } from './authorize.js';

// setTimeout takes at most 2^31-1 ms; a later expiry is checked again then.
const MAX_DELAY = 2 ** 31 - 1;

/** Closes the connection with 4004 when its token expires, unless a `refresh` moved the expiry on. Returns a stop function. */
export function watchExpiry(conn: Connection, access: ConnectionAccess): () => void {
  let timer: NodeJS.Timeout | undefined;
  const arm = () => {
    if (access.expiresAt === undefined) return;
    const left = access.expiresAt - Date.now();
    if (left <= 0) return conn.close('token_expired');
    timer = setTimeout(arm, Math.min(left, MAX_DELAY));
    timer.unref();
  };
  arm();
  return () => clearTimeout(timer);
}
