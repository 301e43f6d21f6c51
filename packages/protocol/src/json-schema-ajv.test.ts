import { readFileSync } from 'node:fs';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { describe, expect, it } from 'vitest';
import { decodeClientFrame, decodeServerFrameStrict } from './codec.js';
import { CLOSE_CODES, ERRORS } from './errors.js';

// The shipped file, as a stranger's validator sees it, in Ajv's strictest mode and no configuration.
const schema = JSON.parse(readFileSync(new URL('../schema/roomcast.schema.json', import.meta.url), 'utf8'));
const ajv = new Ajv2020({ strict: true, allErrors: true });
ajv.addSchema(schema);
const validator = (def: string) => {
  const validate = ajv.getSchema(`${schema.$id}#/$defs/${def}`);
  if (!validate) throw new Error(`no $defs/${def}`);
  return validate;
};

const user = { id: 'abc123', name: 'ada' };
const serverFrames: unknown[] = [
  {
    event: 'welcome',
    data: { clientId: 'abc123', name: 'ada', rooms: ['lobby'], members: { lobby: [user] }, protocol: 1 },
  },
  { event: 'user:joined', data: { room: 'lobby', user } },
  { event: 'user:left', data: { room: 'lobby', user } },
  { event: 'message', data: { room: 'lobby', from: user, text: 'hi', sentAt: 1, seq: 1 } },
  { event: 'message', data: { room: 'lobby', from: user, text: 'hi', sentAt: 1, seq: 2, clientMsgId: 'm-1' } },
  { event: 'ack', data: { id: 1, result: { room: 'lobby', seq: 1 } } },
  { event: 'ack', data: { id: 2, result: { room: 'lobby', members: [user] } } },
  { event: 'error', data: { code: 'not_in_room', message: 'not in room', id: 3 } },
  // Invalid: unknown event, extra property, bad code, wrong protocol, seq 0, bad room name.
  { event: 'nope', data: {} },
  { event: 'user:left', data: { room: 'lobby', user, extra: true } },
  { event: 'error', data: { code: 'teapot', message: 'x' } },
  { event: 'welcome', data: { clientId: 'a', name: 'ada', rooms: [], members: {}, protocol: 2 } },
  { event: 'message', data: { room: 'lobby', from: user, text: 'hi', sentAt: 1, seq: 0 } },
  { event: 'user:joined', data: { room: '-bad room', user } },
];
const clientFrames: unknown[] = [
  { event: 'join', data: { room: 'general' }, id: 1 },
  { event: 'leave', data: { room: 'general' } },
  { event: 'send', data: { room: 'general', text: 'hello', clientMsgId: 'c-1' }, id: 2 },
  // Invalid: empty text, missing room, negative id, a server event.
  { event: 'send', data: { room: 'general', text: '' } },
  { event: 'join', data: {} },
  { event: 'join', data: { room: 'general' }, id: -1 },
  { event: 'ack', data: { id: 1, result: { room: 'general' } } },
];

describe('the generated JSON Schema in Ajv strict mode', () => {
  it('compiles with no unknown keyword, no strict-mode complaint and no configuration', () => {
    expect(() => new Ajv2020({ strict: true }).compile(schema)).not.toThrow();
  });

  // The document is the exact schema, so it matches the strict decoder (clients decode tolerantly).
  it('accepts and rejects exactly the server frames the strict TypeBox decoder does', () => {
    const validate = validator('ServerFrame');
    const verdicts = serverFrames.map((frame) => validate(frame));
    expect(verdicts).toEqual(serverFrames.map((frame) => decodeServerFrameStrict(JSON.stringify(frame)).ok));
    expect(verdicts.filter(Boolean)).toHaveLength(8);
  });

  it('accepts and rejects exactly the client frames the TypeBox codec does', () => {
    const validate = validator('ClientFrame');
    const verdicts = clientFrames.map((frame) => validate(frame));
    expect(verdicts).toEqual(clientFrames.map((frame) => decodeClientFrame(JSON.stringify(frame)).ok));
    expect(verdicts.filter(Boolean)).toHaveLength(3);
  });

  it('carries the error and close-code tables as schemas', () => {
    const codes = Object.keys(ERRORS);
    expect(codes.filter((code) => validator('ErrorCode')(code))).toEqual(codes);
    expect(validator('ErrorCode')('teapot')).toBe(false);
    const retryable = Object.entries(ERRORS).filter(([, e]) => e.retry);
    expect(retryable.map(([code]) => code)).toContain('rate_limited');
    expect(codes.filter((code) => validator('RetryableErrorCode')(code))).toEqual(retryable.map(([code]) => code));

    const closes = Object.values(CLOSE_CODES).map((c) => c.code);
    expect(closes.filter((code) => validator('CloseCode')(code))).toEqual(closes);
    expect(validator('CloseCode')(4999)).toBe(false);
    const reconnect = Object.values(CLOSE_CODES).filter((c) => c.reconnect);
    expect(closes.filter((code) => validator('ReconnectCloseCode')(code))).toEqual(reconnect.map((c) => c.code));
    expect(reconnect.map((c) => c.code)).toEqual(expect.arrayContaining([1001, 1011, 4001, 4002, 4003]));
    expect(reconnect.map((c) => c.code)).not.toContain(1000);

    const described = schema.$defs.ErrorCode.oneOf as { const: string; description: string }[];
    expect(described.map((d) => [d.const, d.description])).toEqual(
      Object.entries(ERRORS).map(([code, e]) => [code, e.meaning]),
    );
  });
});
