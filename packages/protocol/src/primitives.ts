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

export const User = Type.Object({ id: ClientId, name: DisplayName }, { additionalProperties: false });
export type User = Static<typeof User>;
