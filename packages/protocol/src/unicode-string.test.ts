import { Value } from '@sinclair/typebox/value';
import { describe, expect, it } from 'vitest';
import { decodeClientFrame, decodeServerFrame, encodeServerEvent } from './codec.js';
import { DisplayName, MessageText, RequestedName } from './primitives.js';
import { compileValidator } from './validators.js';

const badNames: [string, string][] = [
  ['ad\u200Ba', 'zero-width space (Cf)'],
  ['\u202Enimda', 'right-to-left override (Cf)'],
  ['a\u0085b', 'C1 control NEL (Cc)'],
  ['a\u0000', 'NUL'],
  ['tab\there', 'C0 control'],
  ['x\u0378', 'unassigned (Cn)'],
  ['\uE000pua', 'private use (Co)'],
  ['a\uD800', 'lone surrogate (Cs)'],
  ['a\u2028b', 'line separator'],
  ['e\u0301', 'not NFC (e + combining acute)'],
  ['   ', 'blank'],
  ['', 'empty'],
  ['x'.repeat(33), 'too long'],
];
const goodNames = ['ada', 'Zoë', 'José García', '😀 ada', '李小龙', 'server-room-bot'];

const badTexts: [string, string][] = [
  ['a\u0000b', 'NUL'],
  ['a\uD800b', 'lone high surrogate'],
  ['\uDC00', 'lone low surrogate'],
  ['x\u202Ey', 'RLO override'],
  ['x\u202Ay', 'LRE embedding'],
  ['x\u2066y', 'LRI isolate'],
  ['x\u2069', 'PDI'],
];
const goodTexts = ['hi', 'line 1\nline 2\ttab', 'zero\u200Bwidth is fine in text', 'שלום עולם', '😀👨‍👩‍👧'];

// Both ways the protocol validates: compiled (servers, Node) and interpreted (pages whose CSP forbids eval).
const checkers = {
  compiled: (schema: typeof DisplayName, v: unknown) => compileValidator(schema).Check(v),
  interpreted: (schema: typeof DisplayName, v: unknown) => Value.Check(schema, v),
  // What a client in another language does with the published JSON Schema pattern (ECMA-262 with `u`).
  'json-schema pattern': (schema: typeof DisplayName, v: unknown) => {
    const plain = JSON.parse(JSON.stringify(schema)) as { pattern: string; not?: { pattern: string } };
    if (typeof v !== 'string' || !new RegExp(plain.pattern, 'u').test(v)) return false;
    return !plain.not || !new RegExp(plain.not.pattern, 'u').test(v);
  },
};

describe.each(Object.entries(checkers))('names and text (%s)', (how, check) => {
  it.each(badNames)('rejects the name %j (%s)', (name) => {
    if (how === 'json-schema pattern' && (name === 'e\u0301' || name.length > 32 || name === '')) return; // NFC and lengths are separate keywords
    expect(check(DisplayName, name)).toBe(false);
  });
  it('accepts ordinary names', () => {
    expect(goodNames.filter((n) => !check(DisplayName, n))).toEqual([]);
  });
  it('reserves the server name for requested names only', () => {
    for (const name of ['server', 'SERVER', 'Server']) {
      expect(check(RequestedName, name)).toBe(false);
      expect(check(DisplayName, name)).toBe(true);
    }
    expect(check(RequestedName, 'servers')).toBe(true);
  });
  it.each(badTexts)('rejects the text %j (%s)', (text) => {
    expect(check(MessageText, text)).toBe(false);
  });
  it('accepts ordinary text', () => {
    expect(goodTexts.filter((t) => !check(MessageText, t))).toEqual([]);
  });
  it('rejects non-strings', () => {
    for (const v of [5, null, ['a'], { a: 1 }, true]) expect(check(MessageText, v)).toBe(false);
  });
});

describe('frames', () => {
  it('a send with a bidi override is invalid_payload naming /data/text', () => {
    const r = decodeClientFrame(JSON.stringify({ event: 'send', data: { room: 'a', text: 'x\u202Ey' }, id: 1 }));
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.error.code).toBe('invalid_payload');
    expect(r.error.message).toMatch(/^\/data\/text: Expected .*bidi/);
  });

  it('a message from a user whose name hides a zero-width space is not a valid server frame', () => {
    const data = { room: 'r', seq: 1, from: { id: 'u', name: 'ad\u200Ba' }, text: 'hi', sentAt: 1 };
    expect(decodeServerFrame(encodeServerEvent('message', data)).ok).toBe(false);
  });
});
