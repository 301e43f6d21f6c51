import { type Static, Type } from '@sinclair/typebox';
import { ClientMsgId, MessageText, Recovery, RoomName, Seq, StreamPosition, User } from './primitives.js';

const closed = { additionalProperties: false } as const;

export const Join = Type.Object(
  {
    room: RoomName,
    /** Replay what the room said after this position before live traffic (see the ack's recovery). */
    since: Type.Optional(StreamPosition),
  },
  closed,
);
export type Join = Static<typeof Join>;

export const Leave = Type.Object({ room: RoomName }, closed);
export type Leave = Static<typeof Leave>;

export const Send = Type.Object({ room: RoomName, text: MessageText, clientMsgId: Type.Optional(ClientMsgId) }, closed);
export type Send = Static<typeof Send>;

/** Client -> server events by name. */
export const ClientEvents = { join: Join, leave: Leave, send: Send } as const;
export type ClientEventName = keyof typeof ClientEvents;
export type ClientEventMap = { [K in ClientEventName]: Static<(typeof ClientEvents)[K]> };

export const JoinResult = Type.Object(
  {
    room: RoomName,
    members: Type.Array(User),
    position: Type.Optional(StreamPosition),
    recovery: Type.Optional(Recovery),
  },
  closed,
);
export type JoinResult = Static<typeof JoinResult>;

export const LeaveResult = Type.Object({ room: RoomName }, closed);
export type LeaveResult = Static<typeof LeaveResult>;

export const SendResult = Type.Object({ room: RoomName, seq: Seq }, closed);
export type SendResult = Static<typeof SendResult>;

/** What the `ack` to each client event carries as `result`. */
export const AckResults = { join: JoinResult, leave: LeaveResult, send: SendResult } as const;
export type AckResultMap = { [K in ClientEventName]: Static<(typeof AckResults)[K]> };

/** A decoded client frame, discriminated by `event`. */
export type ClientFrame = {
  [K in ClientEventName]: { event: K; data: ClientEventMap[K]; id?: number };
}[ClientEventName];
