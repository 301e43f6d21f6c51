import { type TSchema, Type } from '@sinclair/typebox';
import { ClientEvents } from './client-events.js';
import { Envelope } from './envelope.js';
import { CLOSE_CODES, ERRORS } from './errors.js';
import { PROTOCOL_VERSION, RequestId } from './primitives.js';
import { ServerEvents } from './server-events.js';

type Json = Record<string, unknown>;

/** TypeBox schemas carry symbol keys; a JSON round trip leaves plain JSON Schema. */
function plain(schema: TSchema): Json {
  return JSON.parse(JSON.stringify(schema)) as Json;
}

/** Identifier usable as a JSON pointer segment and AsyncAPI component key (`user:joined` -> `user-joined`). */
export function eventKey(event: string): string {
  return event.replace(/:/g, '-');
}

export function frameSchema(event: string, data: TSchema, withId: boolean): Json {
  const props = { event: Type.Literal(event), data, ...(withId ? { id: Type.Optional(RequestId) } : {}) };
  return plain(Type.Object(props, { additionalProperties: false, title: event }));
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
  return {
    $schema: 'https://json-schema.org/draft/2020-12/schema',
    $id: `roomcast-protocol-v${PROTOCOL_VERSION}`,
    title: `Roomcast wire protocol v${PROTOCOL_VERSION}`,
    description: 'Generated from @roomcast/protocol; do not edit by hand.',
    'x-error-codes': ERRORS,
    'x-close-codes': CLOSE_CODES,
    $defs: defs,
  };
}
