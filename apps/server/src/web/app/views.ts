import type { StateChange } from '@roomcast/client';
import type { User } from '@roomcast/protocol';
import type { Entry } from './chat-state.js';
import { h } from './dom.js';

/**
 * A hue per name: a person keeps their colour across reconnects, which give them a new
 * connection id (and so a new user id) each time.
 */
export function hue(name: string): number {
  let hash = 0;
  for (let i = 0; i < name.length; i++) hash = (hash * 31 + name.charCodeAt(i)) >>> 0;
  return hash % 360;
}

export function avatar(user: User, size: 'sm' | 'md' = 'md'): HTMLSpanElement {
  const el = h('span', { class: `avatar avatar-${size}`, attrs: { 'aria-hidden': 'true' } }, initial(user.name));
  el.style.setProperty('--hue', String(hue(user.name)));
  return el;
}

export function initial(name: string): string {
  return [...name.trim()][0]?.toUpperCase() ?? '?';
}

const timeFormat = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit' });

export function entryItem(entry: Entry): HTMLLIElement {
  if (entry.kind === 'notice') {
    return h('li', { class: `notice notice-${entry.tone}` }, entry.text);
  }
  const { message, mine } = entry;
  const sent = new Date(message.sentAt);
  return h(
    'li',
    { class: mine ? 'message message-mine' : 'message', attrs: { 'data-seq': String(message.seq) } },
    avatar(message.from),
    h(
      'div',
      { class: 'message-body' },
      h(
        'div',
        { class: 'message-meta' },
        h('span', { class: 'message-author' }, message.from.name),
        mine ? h('span', { class: 'badge' }, 'you') : null,
        h('time', { class: 'message-time', attrs: { datetime: sent.toISOString() } }, timeFormat.format(sent)),
      ),
      h('p', { class: 'message-text' }, message.text),
    ),
  );
}

export function emptyLog(text: string): HTMLLIElement {
  return h('li', { class: 'empty' }, text);
}

export interface RoomItem {
  room: string;
  detail: string;
  current: boolean;
  /** One of the client's rooms (in the list of all rooms). */
  joined: boolean;
  unread: number;
  onSelect: () => void;
}

/** What a screen reader hears is what the eye sees, plus a word where a badge alone says it. */
function hidden(text: string): HTMLSpanElement {
  return h('span', { class: 'visually-hidden' }, text);
}

export function unreadBadge(count: number): HTMLSpanElement {
  return h('span', { class: 'unread' }, count > 99 ? '99+' : String(count), hidden(' unread'));
}

export function roomItem(item: RoomItem): HTMLLIElement {
  const button = h(
    'button',
    {
      class: `room-button${item.current ? ' room-button-current' : ''}${item.joined ? ' room-button-joined' : ''}`,
      attrs: { type: 'button', ...(item.current ? { 'aria-current': 'true' } : {}) },
    },
    item.joined ? null : hidden('Join '),
    h('span', { class: 'room-hash', attrs: { 'aria-hidden': 'true' } }, '#'),
    h('span', { class: 'room-name', attrs: { title: item.room } }, item.room),
    item.unread > 0 ? unreadBadge(item.unread) : null,
    item.detail ? h('span', { class: 'room-detail' }, item.detail) : null,
  );
  button.addEventListener('click', item.onSelect);
  return h('li', {}, button);
}

export function personItem(user: User, me: boolean): HTMLLIElement {
  return h(
    'li',
    { class: 'person' },
    avatar(user, 'sm'),
    h('span', { class: 'person-name', attrs: { title: user.name } }, user.name),
    me ? h('span', { class: 'badge' }, 'you') : null,
  );
}

export function describeState(change: Pick<StateChange, 'state' | 'attempt'>): string {
  switch (change.state) {
    case 'connecting':
      return 'Connecting…';
    case 'open':
      return 'Connected';
    case 'reconnecting':
      return `Reconnecting (attempt ${change.attempt ?? 1})…`;
    case 'closed':
      return 'Disconnected';
  }
}
