import { type Static, Type } from '@sinclair/typebox';
import { UnicodeString } from './unicode-string.js';

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

/** The user id of messages published by the backend; no client may hold it. */
export const SERVER_USER_ID = 'server';

// Names are compared and shown by people: no control, format (zero-width, bidi) or unassigned
// characters, no line breaks, not blank, and in NFC so one look is one spelling.
const NAME_PATTERN = '^(?=.*\\S)[^\\p{Cc}\\p{Cf}\\p{Cn}\\p{Co}\\p{Cs}\\p{Zl}\\p{Zp}]+$';
// Text may hold any character but NUL, lone surrogates and the bidi embeddings, overrides and
// isolates that make text display in another order than it is read ("Trojan Source").
const TEXT_PATTERN = '^[^\\u0000\\p{Cs}\\u202A-\\u202E\\u2066-\\u2069]*$';

const displayName = {
  minLength: 1,
  maxLength: LIMITS.displayNameLength,
  pattern: NAME_PATTERN,
  'x-nfc': true,
  description:
    'Display name: printable text in NFC, not blank; no control, format (zero-width, bidi) or unassigned characters',
  examples: ['ada'],
};
export const DisplayName = UnicodeString(displayName);
export type DisplayName = Static<typeof DisplayName>;

/** A name a client asks for: a display name that is not the server's. */
export const RequestedName = UnicodeString({
  ...displayName,
  // Spelled out per letter: JSON Schema patterns have no case-insensitive flag.
  not: { pattern: `^${[...SERVER_USER_ID].map((c) => `[${c.toUpperCase()}${c}]`).join('')}$` },
  description: `${displayName.description}; not "${SERVER_USER_ID}" in any case`,
});
export type RequestedName = Static<typeof RequestedName>;

export const MessageText = UnicodeString({
  minLength: 1,
  maxLength: LIMITS.messageTextLength,
  pattern: TEXT_PATTERN,
  description:
    'Chat message text, shown as plain text by clients; no NUL, lone surrogates or bidi embeddings/overrides/isolates (U+202A-202E, U+2066-2069)',
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

export const UserId = Type.String({
  minLength: 1,
  maxLength: 256,
  description: 'The user: the connection id without auth, the token\'s `sub` with auth; "server" for the backend',
});
export type UserId = Static<typeof UserId>;

/**
 * Who a frame is about. One user may hold several connections: presence is per connection, so
 * with auth on `clientId` tells a user's connections apart (it is absent without auth, where
 * `id` is the connection id, and on messages from the backend).
 */
export const User = Type.Object(
  { id: UserId, name: DisplayName, clientId: Type.Optional(ClientId) },
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
