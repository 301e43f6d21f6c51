import type { Message } from '@roomcast/protocol';
import { describe, expect, it } from 'vitest';
import { ChatState, type Entry } from './chat-state.js';

let seq = 0;
function message(room: string, text: string): Entry {
  const m: Message = { room, seq: ++seq, from: { id: 'u1', name: 'ada' }, text, sentAt: 0 };
  return { kind: 'message', message: m, mine: false };
}

describe('ChatState', () => {
  it('counts unread messages only for rooms not on screen, and clears them when shown', () => {
    const chat = new ChatState();
    chat.activate('a');
    expect(chat.add('a', message('a', 'seen'))).toBe(true);
    expect(chat.add('b', message('b', 'later'))).toBe(false);
    expect(chat.add('b', { kind: 'notice', text: 'bob joined.', at: 0, tone: 'info' })).toBe(false);
    chat.add('c', message('c', 'x'));
    expect([chat.unreadCount('a'), chat.unreadCount('b'), chat.totalUnread()]).toEqual([0, 1, 2]);
    chat.activate('b');
    expect(chat.unreadCount('b')).toBe(0);
    expect(chat.entries('b')).toHaveLength(2);
  });

  it('keeps a bounded history per room, dropping the oldest', () => {
    const chat = new ChatState();
    for (let i = 0; i < 510; i++) chat.add('a', message('a', `m${i}`));
    const entries = chat.entries('a');
    expect(entries).toHaveLength(500);
    expect(entries[0]?.kind === 'message' && entries[0].message.text).toBe('m10');
  });
});
