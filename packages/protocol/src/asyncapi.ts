import { ClientEvents } from './client-events.js';
import { eventKey, frameSchema } from './json-schema.js';
import { PROTOCOL_VERSION, RequestedName, RoomName } from './primitives.js';
import { ServerEvents } from './server-events.js';

type Json = Record<string, unknown>;

// As in json-schema.ts: this package's own `x-` checks stay out of the published document.
const plain = (value: unknown): Json =>
  JSON.parse(JSON.stringify(value, (key, v) => (key.startsWith('x-') ? undefined : v))) as Json;

/** AsyncAPI 3.0 description of the `/ws` channel, from the server's point of view. */
export function buildAsyncApi(): Json {
  const messages: Json = {};
  const channelMessages: Json = {};
  const operations: Json = {};
  const add = (event: string, payload: Json, action: 'send' | 'receive', summary: string) => {
    const key = eventKey(event);
    messages[key] = { name: event, title: event, summary, contentType: 'application/json', payload };
    channelMessages[key] = { $ref: `#/components/messages/${key}` };
    operations[`${action}-${key}`] = {
      action,
      channel: { $ref: '#/channels/ws' },
      messages: [{ $ref: `#/channels/ws/messages/${key}` }],
    };
  };
  for (const [event, schema] of Object.entries(ClientEvents)) {
    add(event, frameSchema(event, schema, true), 'receive', `Client request "${event}"; answered by one ack or error`);
  }
  for (const [event, schema] of Object.entries(ServerEvents)) {
    add(event, frameSchema(event, schema, false), 'send', `Server event "${event}"`);
  }
  return {
    asyncapi: '3.0.0',
    info: {
      title: 'Roomcast',
      version: `${PROTOCOL_VERSION}.0.0`,
      description: 'Real-time rooms over WebSocket. Generated from @roomcast/protocol; do not edit by hand.',
    },
    defaultContentType: 'application/json',
    servers: { local: { host: 'localhost:3000', protocol: 'ws', description: 'Default `pnpm start`' } },
    channels: {
      ws: {
        address: '/ws',
        messages: channelMessages,
        bindings: {
          ws: {
            query: {
              type: 'object',
              properties: {
                name: plain({
                  ...RequestedName,
                  description: `${RequestedName.description}; normalized to NFC by the server`,
                }),
                room: plain({ ...RoomName, default: 'lobby' }),
                token: {
                  type: 'string',
                  description: 'Access token (JWT) when the server has auth on; or an `Authorization: Bearer` header',
                },
                presence: {
                  type: 'string',
                  enum: ['diff'],
                  description: 'diff: receive presence:diff frames instead of user:joined/user:left',
                },
              },
              additionalProperties: false,
            },
          },
        },
      },
    },
    operations,
    components: { messages },
  };
}
