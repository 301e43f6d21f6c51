import { ClientMsgId, compileValidator, encodeServerEvent, type Message } from '@roomcast/protocol';
import { describe, expect, it } from 'vitest';
import { DEDUP_WINDOW, Delivered } from './delivered.js';
import { newClientMsgId } from './message-id.js';
import { rawHarness, welcomeFrame } from './test-support/raw-server.js';
import { next, record } from './testing.js';

const { serve, client } = rawHarness();

function message(seq: number, from: { id: string; name: string }, clientMsgId?: string, room = 'lobby'): Message {
  return { room, seq, from, text: `m${seq}`, sentAt: 1, ...(clientMsgId === undefined ? {} : { clientMsgId }) };
}

const bob = { id: 'c2', name: 'bob' };
// Bob after a reconnect: a new connection id, the same name.
const bobAgain = { id: 'c9', name: 'bob' };
const eve = { id: 'c3', name: 'eve' };

describe('messages re-sent after a reconnect', () => {
  it('reach the application once per room, sender name and clientMsgId; copies come as `duplicate`', async () => {
    const sent = [
      message(1, bob, 'x'),
      message(2, bobAgain, 'x'), // bob's copy re-sent from his new connection
      message(3, eve, 'x'), // another sender may use the same id
      message(4, bob, 'x', 'r2'), // so may another room
      message(5, bob), // no clientMsgId: never treated as a copy
      message(6, bob),
      message(7, bob, 'x', 'r2'),
    ];
    const server = await serve((socket) => {
      socket.send(welcomeFrame({ rooms: ['lobby', 'r2'] }));
      for (const m of sent) socket.send(encodeServerEvent('message', m));
      socket.send(encodeServerEvent('user:joined', { room: 'lobby', user: { id: 'c4', name: 'end' } }));
    });
    const ada = client({ url: server.url });
    const messages = record(ada, 'message');
    const duplicates = record(ada, 'duplicate');
    await next(ada, 'user:joined');
    expect(messages.map((m) => m.seq)).toEqual([1, 3, 4, 5, 6]);
    expect(duplicates).toEqual([sent[1], sent[6]]);
    expect(ada.lastSeq('lobby')).toBe(6);
    expect(ada.lastSeq('r2')).toBe(7);
  });

  it('are recognised within the most recent DEDUP_WINDOW messages of a room', () => {
    const delivered = new Delivered();
    for (let i = 0; i <= DEDUP_WINDOW; i++) expect(delivered.first(message(i, bob, `id-${i}`))).toBe(true);
    // id-0 fell out of the window; id-1 is still in it.
    expect(delivered.first(message(0, bob, 'id-1'))).toBe(false);
    expect(delivered.first(message(0, bob, 'id-0'))).toBe(true);
    delivered.forget('lobby');
    expect(delivered.first(message(0, bob, 'id-1'))).toBe(true);
  });
});

describe('generated clientMsgIds', () => {
  const valid = compileValidator(ClientMsgId);

  it('are UUIDs from Web Crypto when there is one', () => {
    const ids = Array.from({ length: 100 }, () => newClientMsgId());
    expect(new Set(ids).size).toBe(100);
    for (const id of ids) expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });

  it('fall back to Math.random without Web Crypto, still valid and distinct', () => {
    const ids = Array.from({ length: 1000 }, () => newClientMsgId({}));
    expect(new Set(ids).size).toBe(1000);
    expect(ids.filter((id) => !valid.Check(id))).toEqual([]);
    expect(ids[0]).toMatch(/^[0-9a-z]+-[0-9a-z]{8}-[0-9a-z]{8}-[0-9a-z]{8}$/);
  });
});
