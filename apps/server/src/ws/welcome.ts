import { randomBytes } from 'node:crypto';
import {
  type ErrorCode,
  encodeServerEvent,
  PROTOCOL_VERSION,
  type Recovery,
  type StreamPosition,
  type User,
} from '@roomcast/protocol';
import { accessOf } from '../auth/authorize.js';
import { handlers } from '../handlers/index.js';
import type { Connection } from '../hub/connection.js';
import type { Hub } from '../hub/hub.js';
import type { Arrival } from './arrival.js';

const newToken = () => randomBytes(24).toString('base64url');

/**
 * Puts a new connection in its rooms through the join handler — the query's room, or on a resume
 * the session's rooms with what they missed — and writes the welcome before anything else.
 */
export async function welcome(hub: Hub, conn: Connection, arrival: Arrival, resumeWindowMs: number): Promise<void> {
  let rooms = [arrival.room];
  let resumed: boolean | undefined;
  if (arrival.resume !== undefined) {
    let session = await hub.resume(arrival.resume);
    // A token stands for one user: with auth on, only that user's token may take it back.
    const verified = accessOf(conn)?.verify ? accessOf(conn)?.user.id : undefined;
    if (verified !== undefined && session?.user.id !== verified) session = undefined;
    resumed = session !== undefined;
    if (session) {
      conn.adopt(session.user);
      rooms = session.rooms;
    }
  }
  if (conn.closed) return;
  // Before any join, so no presence change reaches it in the other form.
  if (arrival.diffs) hub.wantDiffs(conn);
  hub.add(conn);
  conn.resumeToken = newToken();

  const members: Record<string, User[]> = {};
  const positions: Record<string, StreamPosition> = {};
  const recovery: Record<string, Recovery> = {};
  const memberCounts: Record<string, number> = {};
  const presenceEvents: Record<string, boolean> = {};
  const refused: { code: ErrorCode; message?: string }[] = [];
  const after: (() => void)[] = [];
  for (const room of rooms) {
    const since = arrival.positions[room];
    const outcome = await handlers.join(hub, conn, since ? { room, since } : { room });
    if (!outcome.ok) {
      refused.push(outcome);
      continue;
    }
    members[room] = outcome.result.members;
    memberCounts[room] = outcome.presence?.memberCount ?? outcome.result.members.length;
    presenceEvents[room] = outcome.presence?.events ?? true;
    positions[room] = outcome.result.position as StreamPosition;
    if (outcome.result.recovery) recovery[room] = outcome.result.recovery;
    if (outcome.after) after.push(outcome.after);
  }
  conn.welcome(
    encodeServerEvent('welcome', {
      clientId: conn.id,
      userId: conn.member.id,
      name: conn.name,
      rooms: [...conn.rooms],
      members,
      protocol: PROTOCOL_VERSION,
      resumeToken: conn.resumeToken,
      resumeWindowMs,
      positions,
      ...(resumed !== undefined ? { resumed } : {}),
      ...(Object.keys(recovery).length > 0 ? { recovery } : {}),
      memberCounts,
      presenceEvents,
    }),
  );
  for (const release of after) release();
  for (const { code, message } of refused) conn.sendError(code, message);
  hub.saveSession(conn);
}
