import { RequestedName, ResumeToken, RoomName, StreamPosition } from '@roomcast/protocol';
import { type Static, Type } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';

/** `GET /ws` query: who arrives, where, and (on a resume) where it stood. */
export const HandshakeQuery = Type.Object({
  name: Type.Optional(RequestedName),
  room: Type.Optional(RoomName),
  token: Type.Optional(Type.String({ maxLength: 8192 })),
  resume: Type.Optional(ResumeToken),
  presence: Type.Optional(
    Type.Literal('diff', { description: 'diff: presence:diff frames instead of user:joined/user:left' }),
  ),
  positions: Type.Optional(
    Type.String({
      maxLength: 16384,
      description: 'JSON object {room: {epoch, seq}}: the last message held per room, to replay what followed',
    }),
  ),
});
export type HandshakeQuery = Static<typeof HandshakeQuery>;

export const Positions = Type.Record(RoomName, StreamPosition, { maxProperties: 1000 });
export type Positions = Static<typeof Positions>;

export interface Arrival {
  name?: string;
  room: string;
  resume?: string;
  positions: Positions;
  /** The client asked for presence:diff frames. */
  diffs?: boolean;
}

/** Reads the handshake query; a reason string when `positions` is not what the protocol says. */
export function readArrival(query: HandshakeQuery): Arrival | string {
  let positions: unknown = {};
  if (query.positions !== undefined) {
    try {
      positions = JSON.parse(query.positions);
    } catch {
      return 'querystring/positions must be JSON';
    }
    if (!Value.Check(Positions, positions)) {
      const first = Value.Errors(Positions, positions).First();
      return `querystring/positions${first?.path ?? ''} ${first?.message ?? 'is invalid'}`;
    }
  }
  return {
    ...(query.name !== undefined ? { name: query.name } : {}),
    room: query.room ?? 'lobby',
    ...(query.resume !== undefined ? { resume: query.resume } : {}),
    positions: positions as Positions,
    ...(query.presence === 'diff' ? { diffs: true } : {}),
  };
}
