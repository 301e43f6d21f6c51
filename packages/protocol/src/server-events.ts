import { type Static, Type } from '@sinclair/typebox';
import { JoinResult, LeaveResult, MembersResult, RefreshResult, SendResult } from './client-events.js';
import { ErrorCode } from './errors.js';
import {
  ClientId,
  ClientMsgId,
  DisplayName,
  MessageText,
  PROTOCOL_VERSION,
  Recovery,
  RequestId,
  ResumeToken,
  RoomName,
  Seq,
  StreamPosition,
  User,
  UserId,
} from './primitives.js';

const closed = { additionalProperties: false } as const;

export const Welcome = Type.Object(
  {
    clientId: ClientId,
    userId: Type.Optional(UserId),
    name: DisplayName,
    rooms: Type.Array(RoomName),
    members: Type.Record(RoomName, Type.Array(User)),
    protocol: Type.Literal(PROTOCOL_VERSION),
    resumeToken: Type.Optional(ResumeToken),
    resumeWindowMs: Type.Optional(Type.Integer({ minimum: 0, description: 'How long resumeToken stays usable' })),
    positions: Type.Optional(Type.Record(RoomName, StreamPosition)),
    resumed: Type.Optional(
      Type.Boolean({ description: 'true when the token was accepted: same identity, same rooms' }),
    ),
    recovery: Type.Optional(Type.Record(RoomName, Recovery)),
    memberCounts: Type.Optional(
      Type.Record(RoomName, Type.Integer({ minimum: 0 }), {
        description: 'Members per room across the cluster; `members` lists at most MEMBER_LIST_MAX of each',
      }),
    ),
    presenceEvents: Type.Optional(
      Type.Record(RoomName, Type.Boolean(), {
        description: 'false for a room over PRESENCE_EVENTS_MAX_MEMBERS: its joins and leaves are not announced',
      }),
    ),
  },
  closed,
);
export type Welcome = Static<typeof Welcome>;

export const UserJoined = Type.Object({ room: RoomName, user: User }, closed);
export type UserJoined = Static<typeof UserJoined>;

export const UserLeft = Type.Object({ room: RoomName, user: User }, closed);
export type UserLeft = Static<typeof UserLeft>;

/**
 * A room's presence changes over a short interval, in one frame, to connections that asked for
 * diffs (`presence=diff` in the handshake) instead of `user:joined`/`user:left`. A join and leave
 * of one connection within the interval cancel out.
 */
export const PresenceDiff = Type.Object({ room: RoomName, joined: Type.Array(User), left: Type.Array(User) }, closed);
export type PresenceDiff = Static<typeof PresenceDiff>;

export const Message = Type.Object(
  {
    room: RoomName,
    seq: Seq,
    from: User,
    text: MessageText,
    sentAt: Type.Integer({ minimum: 0, description: 'Server time (ms since epoch) when the message was sequenced' }),
    clientMsgId: Type.Optional(ClientMsgId),
  },
  closed,
);
export type Message = Static<typeof Message>;

export const Ack = Type.Object(
  { id: RequestId, result: Type.Union([JoinResult, SendResult, LeaveResult, RefreshResult, MembersResult]) },
  closed,
);
export type Ack = Static<typeof Ack>;

export const ErrorEvent = Type.Object(
  { code: ErrorCode, message: Type.String(), id: Type.Optional(RequestId) },
  closed,
);
export type ErrorEvent = Static<typeof ErrorEvent>;

/** Server -> client events by name. */
export const ServerEvents = {
  welcome: Welcome,
  'user:joined': UserJoined,
  'user:left': UserLeft,
  'presence:diff': PresenceDiff,
  message: Message,
  ack: Ack,
  error: ErrorEvent,
} as const;
export type ServerEventName = keyof typeof ServerEvents;
export type ServerEventMap = { [K in ServerEventName]: Static<(typeof ServerEvents)[K]> };

/** A decoded server frame, discriminated by `event`. */
export type ServerFrame = { [K in ServerEventName]: { event: K; data: ServerEventMap[K] } }[ServerEventName];
