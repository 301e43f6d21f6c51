import type { Connection } from '../hub/connection.js';
import type { Identity, TokenVerifier } from './token.js';

export type AuthorizeAction = 'join' | 'send' | 'read';

/** The user a decision is about: who the token says (or the connection, without auth). */
export interface AuthUser {
  id: string;
  name: string;
  /** The token's `rooms` claim; undefined without auth or without the claim. */
  rooms?: readonly string[];
  /** Every claim of the token, for embedders' own rules. */
  claims?: Identity['claims'];
}

export interface AuthorizeRequest {
  user: AuthUser;
  room: string;
  action: AuthorizeAction;
}

/** The one authorization decision: may this user do this in this room? May be async. */
export type Authorize = (request: AuthorizeRequest) => boolean | Promise<boolean>;

/** A `rooms` entry is an exact room name or a prefix ending in `*` (`team:*`; `*` alone is every room). */
export function roomMatches(pattern: string, room: string): boolean {
  return pattern.endsWith('*') ? room.startsWith(pattern.slice(0, -1)) : pattern === room;
}

/** The default: a token's `rooms` claim, when it has one, lists what the user may join, send to and read. */
export const roomsClaim: Authorize = ({ user, room }) =>
  user.rooms === undefined || user.rooms.some((pattern) => roomMatches(pattern, room));

/** What a connection is allowed, bound when it is admitted. */
export interface ConnectionAccess {
  user: AuthUser;
  authorize: Authorize;
  /** Set with auth on: checks `refresh` tokens. */
  verify?: TokenVerifier;
  /** When the connection's token expires (ms since epoch). */
  expiresAt?: number;
}

// Kept beside the connection rather than on it, so the hub's Connection stays about sockets.
const access = new WeakMap<Connection, ConnectionAccess>();

export function bindAccess(conn: Connection, value: ConnectionAccess): void {
  access.set(conn, value);
}

export function accessOf(conn: Connection): ConnectionAccess | undefined {
  return access.get(conn);
}

/** Every path that joins or sends asks here. A connection bound to no access (embedded hubs) is allowed. */
export async function allowed(conn: Connection, room: string, action: AuthorizeAction): Promise<boolean> {
  const bound = access.get(conn);
  if (!bound) return true;
  return (await bound.authorize({ user: bound.user, room, action })) === true;
}
