import { type TSchema, Type } from '@sinclair/typebox';
import { ClientEvents } from './client-events.js';
import { Envelope } from './envelope.js';
import { CLOSE_CODES, ERRORS } from './errors.js';
import { PROTOCOL_VERSION, RequestId } from './primitives.js';
import { ServerEvents } from './server-events.js';

type Json = Record<string, unknown>;

/** TypeBox schemas carry symbol keys; a JSON round trip leaves plain JSON Schema. */
function plain(schema: TSchema): Json {
  // `x-` keys are this package's own checks (NFC names); a stranger's strict Ajv rejects unknown keywords.
  return JSON.parse(JSON.stringify(schema, (key, value) => (key.startsWith('x-') ? undefined : value))) as Json;
}

/** Identifier usable as a JSON pointer segment and AsyncAPI component key (`user:joined` -> `user-joined`). */
export function eventKey(event: string): string {
  return event.replace(/:/g, '-');
}

export function frameSchema(event: string, data: TSchema, withId: boolean): Json {
  const props = { event: Type.Literal(event), data, ...(withId ? { id: Type.Optional(RequestId) } : {}) };
  return plain(Type.Object(props, { additionalProperties: false, title: event }));
}

/**
 * The error and close-code tables as plain schemas, so the document compiles in any validator
 * (Ajv strict rejects `x-` keywords): each code is a `const` with its meaning as `description`,
 * and the codes worth retrying or reconnecting after are schemas a client can test a code with.
 */
function codeTables(): Json {
  const errors = Object.entries(ERRORS);
  const closes = Object.entries(CLOSE_CODES);
  return {
    ErrorCode: {
      title: 'ErrorCode',
      description: 'Code of an `error` frame; the connection stays open after each.',
      type: 'string',
      oneOf: errors.map(([code, e]) => ({ const: code, description: e.meaning })),
    },
    RetryableErrorCode: {
      description: 'Error codes after which sending the same frame again later can succeed.',
      type: 'string',
      enum: errors.filter(([, e]) => e.retry).map(([code]) => code),
    },
    CloseCode: {
      title: 'CloseCode',
      description: 'WebSocket close codes the server uses; `title` is the name in CLOSE_CODES.',
      type: 'integer',
      oneOf: closes.map(([name, c]) => ({ const: c.code, title: name, description: c.meaning })),
    },
    ReconnectCloseCode: {
      description: 'Close codes after which reconnecting with backoff makes sense (and any unknown code but 1000).',
      type: 'integer',
      enum: closes.filter(([, c]) => c.reconnect).map(([, c]) => c.code),
    },
  };
}

/** One JSON Schema (2020-12) document with every frame of protocol v1, for clients in other languages. */
export function buildJsonSchema(): Json {
  const defs: Json = { Envelope: plain(Envelope) };
  for (const [event, schema] of Object.entries(ClientEvents))
    defs[`client.${eventKey(event)}`] = frameSchema(event, schema, true);
  for (const [event, schema] of Object.entries(ServerEvents))
    defs[`server.${eventKey(event)}`] = frameSchema(event, schema, false);
  const refs = (side: string, names: string[]) => names.map((n) => ({ $ref: `#/$defs/${side}.${eventKey(n)}` }));
  defs.ClientFrame = { oneOf: refs('client', Object.keys(ClientEvents)) };
  defs.ServerFrame = { oneOf: refs('server', Object.keys(ServerEvents)) };
  Object.assign(defs, codeTables());
  return {
    $schema: 'https://json-schema.org/draft/2020-12/schema',
    $id: `roomcast-protocol-v${PROTOCOL_VERSION}`,
    title: `Roomcast wire protocol v${PROTOCOL_VERSION}`,
    description: 'Generated from @roomcast/protocol; do not edit by hand.',
    $defs: defs,
  };
}
