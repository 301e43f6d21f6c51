import { randomBytes } from 'node:crypto';
import { DisplayName, RoomName } from '@roomcast/protocol';
import { TypeCompiler } from '@sinclair/typebox/compiler';

const roomCheck = TypeCompiler.Compile(RoomName);
const nameCheck = TypeCompiler.Compile(DisplayName);

/** Most rooms one connection may be in, as Roomcast's default. */
export const MAX_ROOMS_PER_CONNECTION = 32;

export const newClientId = () => randomBytes(9).toString('base64url');

/** The handshake's `room` and `name`, defaulted and checked against the protocol's schemas, or undefined. */
export function readHandshake(room: unknown, name: unknown): { room: RoomName; name: DisplayName } | undefined {
  const r = room ?? 'lobby';
  const n = name ?? `guest-${randomBytes(2).toString('hex')}`;
  return roomCheck.Check(r) && nameCheck.Check(n) ? { room: r, name: n } : undefined;
}

/** Options both peer servers take. */
export interface PeerOptions {
  port?: number;
  host?: string;
}

/** A peer server listening, and how to stop it. */
export interface RunningPeer {
  port: number;
  close(): Promise<void>;
}
