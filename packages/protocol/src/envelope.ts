import { type Static, Type } from '@sinclair/typebox';
import { LIMITS, RequestId } from './primitives.js';

/** Every text frame, in both directions: `{ event, data, id? }`. */
export const Envelope = Type.Object(
  {
    event: Type.String({ minLength: 1, maxLength: LIMITS.eventNameLength }),
    data: Type.Unknown(),
    id: Type.Optional(RequestId),
  },
  { additionalProperties: false },
);
export type Envelope = Static<typeof Envelope>;
