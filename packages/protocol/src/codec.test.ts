import { describe, expect, it } from 'vitest';
import {
  decodeClientFrame,
  decodeServerFrame,
  decodeServerFrameStrict,
  encodeClientEvent,
  encodeServerEvent,
} from './codec.js';
import { ERROR_CODES, shouldReconnect } from './errors.js';
import { LIMITS } from './primitives.js';

describe('decodeClientFrame', () => {
  it('accepts each client event and keeps the id', () => {
    expect(decodeClientFrame('{"event":"join","data":{"room":"lobby"},"id":7}')).toEqual({
      ok: true,
      frame: { event: 'join', data: { room: 'lobby' }, id: 7 },
    });
    const send = decodeClientFrame(encodeClientEvent('send', { room: 'a', text: 'hi', clientMsgId: 'c1' }));
    expect(send).toEqual({ ok: true, frame: { event: 'send', data: { room: 'a', text: 'hi', clientMsgId: 'c1' } } });
    expect(decodeClientFrame(encodeClientEvent('leave', { room: 'a' }, 0)).ok).toBe(true);
  });

  it('reports invalid JSON as bad_json', () => {
    expect(decodeClientFrame('{"event":')).toEqual({ ok: false, error: expect.objectContaining({ code: 'bad_json' }) });
  });

  it('reports a non-envelope as invalid_payload, salvaging a usable id', () => {
    const r = decodeClientFrame('{"data":{},"id":3}');
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.error.code).toBe('invalid_payload');
    expect(r.error.id).toBe(3);
    expect(r.error.message).toContain('/event');
    expect(decodeClientFrame('[1,2]')).toMatchObject({ ok: false, error: { code: 'invalid_payload' } });
    expect(decodeClientFrame('null')).toMatchObject({ ok: false, error: { code: 'invalid_payload' } });
    const negative = decodeClientFrame('{"event":"join","data":{},"id":-1}');
    expect(negative.ok ? undefined : negative.error).not.toHaveProperty('id');
  });

  it('rejects unknown events, including prototype keys', () => {
    for (const event of ['shout', 'toString', '__proto__', 'welcome']) {
      const r = decodeClientFrame(JSON.stringify({ event, data: {}, id: 1 }));
      expect(r).toEqual({ ok: false, error: { code: 'unknown_event', message: `Unknown event "${event}"`, id: 1 } });
    }
  });

  it('names the failing path of a payload', () => {
    const cases: [unknown, string][] = [
      [{ room: 'bad room!' }, '/data/room'],
      [{ room: 'x'.repeat(LIMITS.roomNameLength + 1) }, '/data/room'],
      [{}, '/data/room'],
      [{ room: 'a', extra: 1 }, '/data/extra'],
    ];
    for (const [data, path] of cases) {
      const r = decodeClientFrame(JSON.stringify({ event: 'join', data, id: 2 }));
      expect(r.ok).toBe(false);
      if (!r.ok) {
        expect(r.error.code).toBe('invalid_payload');
        expect(r.error.message.startsWith(path)).toBe(true);
        expect(r.error.id).toBe(2);
      }
    }
    const long = decodeClientFrame(
      encodeClientEvent('send', { room: 'a', text: 'x'.repeat(LIMITS.messageTextLength + 1) }),
    );
    expect(long).toMatchObject({ ok: false, error: { code: 'invalid_payload' } });
  });
});

describe('decodeServerFrame', () => {
  it('round-trips a message and rejects a malformed welcome', () => {
    const data = { room: 'r', seq: 1, from: { id: 'c1', name: 'ann' }, text: 'hey', sentAt: 1 };
    expect(decodeServerFrame(encodeServerEvent('message', data))).toEqual({
      ok: true,
      frame: { event: 'message', data },
    });
    const bad = decodeServerFrame('{"event":"welcome","data":{"clientId":"x"}}');
    expect(bad).toMatchObject({ ok: false, error: { code: 'invalid_payload' } });
  });

  it('accepts only known error codes', () => {
    for (const code of ERROR_CODES) {
      expect(decodeServerFrame(encodeServerEvent('error', { code, message: 'm' })).ok).toBe(true);
    }
    expect(decodeServerFrame('{"event":"error","data":{"code":"nope","message":"m"}}').ok).toBe(false);
  });
});

describe('close codes', () => {
  it('tells clients when to reconnect', () => {
    expect(shouldReconnect(1000)).toBe(false);
    expect(shouldReconnect(1008)).toBe(false);
    expect(shouldReconnect(1001)).toBe(true);
    expect(shouldReconnect(4001)).toBe(true);
    expect(shouldReconnect(1006)).toBe(true);
  });
});

describe('server frames from a newer server', () => {
  const withExtra = '{"event":"user:left","data":{"room":"r","user":{"id":"u","name":"n","badge":"x"},"extra":1}}';
  it('are accepted by clients with their unknown fields', () => {
    const decoded = decodeServerFrame(withExtra);
    expect(decoded.ok).toBe(true);
  });
  it('are rejected by the strict check a conforming server must pass', () => {
    const decoded = decodeServerFrameStrict(withExtra);
    expect(decoded.ok).toBe(false);
  });
  it('still fail the tolerant check on a wrong type or a missing field', () => {
    expect(decodeServerFrame('{"event":"user:left","data":{"room":"r","user":{"id":"u"}}}').ok).toBe(false);
    expect(decodeServerFrame('{"event":"user:left","data":{"room":5,"user":{"id":"u","name":"n"}}}').ok).toBe(false);
  });
});
