import { randomBytes } from 'node:crypto';
import type { Message } from '@roomcast/protocol';
import type { Member, PresenceChange } from '../adapter.js';

/** What travels on a room's shard channel. The message form is built by the PUBLISH script. */
export type ChannelEvent =
  | { kind: 'message'; epoch: string; message: Message }
  | { kind: 'presence'; node: string; change: PresenceChange; member: Member };

export function encodePresence(node: string, change: PresenceChange, member: Member): string {
  return JSON.stringify(['p', node, change, member]);
}

/** Decodes a channel payload; undefined for anything malformed (counted and dropped by the caller). */
export function decodeChannelEvent(raw: string): ChannelEvent | undefined {
  let v: unknown;
  try {
    v = JSON.parse(raw);
  } catch {
    return undefined;
  }
  if (!Array.isArray(v)) return undefined;
  const [kind, a, b, c] = v as unknown[];
  if (kind === 'm' && typeof a === 'string' && isObject(b) && typeof b.seq === 'number') {
    return { kind: 'message', epoch: a, message: b as Message };
  }
  if (kind === 'p' && typeof a === 'string' && (b === 'joined' || b === 'left') && isObject(c)) {
    return { kind: 'presence', node: a, change: b, member: c as Member };
  }
  return undefined;
}

/** A stream entry as Redis returns it: [id, [field, value, ...]]. */
export function decodeEntry(entry: unknown): Message | undefined {
  if (!Array.isArray(entry)) return undefined;
  const fields = entry[1];
  if (!Array.isArray(fields) || fields[0] !== 'm' || typeof fields[1] !== 'string') return undefined;
  try {
    const m = JSON.parse(fields[1]) as unknown;
    return isObject(m) && typeof m.seq === 'number' ? (m as Message) : undefined;
  } catch {
    return undefined;
  }
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** A new epoch name: random, so two lives of a room never share one. */
export const newEpoch = () => randomBytes(9).toString('base64url');
