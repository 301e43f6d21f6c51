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

export const Refresh = Type.Object(
  { token: Type.String({ minLength: 1, maxLength: 8192, description: 'A fresh access token for the same user' }) },
  closed,
);
export type Refresh = Static<typeof Refresh>;

/** Opaque; the previous page's `nextCursor`. */
export const MemberCursor = Type.String({
  minLength: 1,
  maxLength: 200,
  pattern: '^[A-Za-z0-9_-]+$',
  description: "Where the next page of a room's members starts: the previous page's nextCursor, opaque",
});
export type MemberCursor = Static<typeof MemberCursor>;

export const MEMBER_PAGE_MAX = 1000;

/** One page of a room's members, for rooms too large to list in a welcome or join ack. */
export const Members = Type.Object(
  {
    room: RoomName,
    cursor: Type.Optional(MemberCursor),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: MEMBER_PAGE_MAX, description: 'Page size; default 100' })),
  },
  closed,
);
export type Members = Static<typeof Members>;

/** Client -> server events by name. */
export const ClientEvents = { join: Join, leave: Leave, send: Send, refresh: Refresh, members: Members } as const;
export type ClientEventName = keyof typeof ClientEvents;
export type ClientEventMap = { [K in ClientEventName]: Static<(typeof ClientEvents)[K]> };

export const JoinResult = Type.Object(
  {
    room: RoomName,
    members: Type.Array(User),
    position: Type.Optional(StreamPosition),
    recovery: Type.Optional(Recovery),
    memberCount: Type.Optional(
      Type.Integer({
        minimum: 0,
        description: 'Members of the room across the cluster; `members` lists at most MEMBER_LIST_MAX of them',
      }),
    ),
    presenceEvents: Type.Optional(
      Type.Boolean({
        description:
          'false: the room is over PRESENCE_EVENTS_MAX_MEMBERS, so joins and leaves are not announced; ask `members`',
      }),
    ),
  },
  closed,
);
export type JoinResult = Static<typeof JoinResult>;

export const LeaveResult = Type.Object({ room: RoomName }, closed);
export type LeaveResult = Static<typeof LeaveResult>;

export const SendResult = Type.Object({ room: RoomName, seq: Seq }, closed);
export type SendResult = Static<typeof SendResult>;

export const RefreshResult = Type.Object(
  {
    expiresAt: Type.Optional(
      Type.Integer({ minimum: 0, description: 'When the new token expires (ms since epoch); absent if it does not' }),
    ),
  },
  closed,
);
export type RefreshResult = Static<typeof RefreshResult>;

export const MembersResult = Type.Object(
  {
    room: RoomName,
    members: Type.Array(User),
    memberCount: Type.Integer({ minimum: 0, description: 'Members of the room across the cluster' }),
    nextCursor: Type.Optional(MemberCursor),
  },
  closed,
);
export type MembersResult = Static<typeof MembersResult>;

/** What the `ack` to each client event carries as `result`. */
export const AckResults = {
  join: JoinResult,
  leave: LeaveResult,
  send: SendResult,
  refresh: RefreshResult,
  members: MembersResult,
} as const;
export type AckResultMap = { [K in ClientEventName]: Static<(typeof AckResults)[K]> };

/** A decoded client frame, discriminated by `event`. */
export type ClientFrame = {
  [K in ClientEventName]: { event: K; data: ClientEventMap[K]; id?: number };
}[ClientEventName];
