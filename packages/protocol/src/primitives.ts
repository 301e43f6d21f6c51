import { type Static, Type } from '@sinclair/typebox';

/** Protocol version carried in `welcome`; bumped only on breaking wire changes. */
export const PROTOCOL_VERSION = 1;

export const LIMITS = {
  roomNameLength: 64,
  displayNameLength: 32,
  messageTextLength: 2000,
  clientMsgIdLength: 64,
  eventNameLength: 64,
} as const;

// Room names travel in URLs and log lines, so keep them to a safe ASCII set.
export const RoomName = Type.String({
  minLength: 1,
  maxLength: LIMITS.roomNameLength,
  pattern: '^[A-Za-z0-9][A-Za-z0-9_.:-]*$',
  description: 'Room name: ASCII letters, digits and _ . : -, starting with a letter or digit',
  examples: ['lobby'],
});
export type RoomName = Static<typeof RoomName>;

// Any printable Unicode, but no control characters and not blank.
export const DisplayName = Type.String({
  minLength: 1,
  maxLength: LIMITS.displayNameLength,
  pattern: '^(?=.*\\S)[^\\u0000-\\u001f\\u007f]+$',
  description: 'Display name: printable text, not blank',
  examples: ['ada'],
});
export type DisplayName = Static<typeof DisplayName>;

export const MessageText = Type.String({
  minLength: 1,
  maxLength: LIMITS.messageTextLength,
  description: 'Chat message text, shown as plain text by clients',
});
export type MessageText = Static<typeof MessageText>;

export const ClientId = Type.String({ minLength: 1, maxLength: 64, description: 'Server-assigned connection id' });
export type ClientId = Static<typeof ClientId>;

export const ClientMsgId = Type.String({
  minLength: 1,
  maxLength: LIMITS.clientMsgIdLength,
  description: 'Opaque id a sender attaches to a message; echoed back to every recipient',
});
export type ClientMsgId = Static<typeof ClientMsgId>;

export const RequestId = Type.Integer({
  minimum: 0,
  maximum: 2 ** 31 - 1,
  description: 'Correlates a client frame with its single ack or error',
});
export type RequestId = Static<typeof RequestId>;

export const Seq = Type.Integer({ minimum: 1, description: 'Per-room sequence number, strictly increasing' });
export type Seq = Static<typeof Seq>;

export const User = Type.Object(
  {
    id: ClientId,
    name: DisplayName,
    clientId: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 64,
        description: 'The connection this user speaks from, when it is not the user id (presence is per connection)',
      }),
    ),
  },
  { additionalProperties: false },
);
export type User = Static<typeof User>;

export const Epoch = Type.String({
  minLength: 1,
  maxLength: 64,
  description: "Names one life of a room's history; a new epoch means the history before it is gone",
});
export type Epoch = Static<typeof Epoch>;

/** Where a client stands in a room: the last `seq` it has, in which epoch (`seq` 0: nothing yet). */
export const StreamPosition = Type.Object(
  { epoch: Epoch, seq: Type.Integer({ minimum: 0, description: 'Last seq received; 0 for none' }) },
  { additionalProperties: false },
);
export type StreamPosition = Static<typeof StreamPosition>;

export const ResumeToken = Type.String({
  minLength: 16,
  maxLength: 128,
  pattern: '^[A-Za-z0-9_-]+$',
  description: 'Opaque, single-use token that puts a reconnecting client back where it was',
});
export type ResumeToken = Static<typeof ResumeToken>;

/** How a room was caught up after a resume or a `join` with `since`. */
export const Recovery = Type.Object(
  {
    recovered: Type.Boolean({ description: 'true: every missed message follows, in order; false: some are gone' }),
    position: StreamPosition,
    missing: Type.Optional(
      Type.Object(
        { from: Type.Integer({ minimum: 1 }), to: Type.Integer({ minimum: 0 }) },
        { additionalProperties: false, description: 'Inclusive seq range that could not be recovered' },
      ),
    ),
  },
  { additionalProperties: false },
);
export type Recovery = Static<typeof Recovery>;
