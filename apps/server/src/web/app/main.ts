import { createClient, isRoomcastError, type RoomcastClient, type StateChange } from '@roomcast/client';
import { LIMITS, type Welcome } from '@roomcast/protocol';
import { ChatState, type Entry } from './chat-state.js';
import { byId } from './dom.js';
import { avatar, describeState, emptyLog, entryItem, initial, personItem, roomItem } from './views.js';

const ui = {
  signin: byId('signin'),
  signinForm: byId<HTMLFormElement>('signin-form'),
  name: byId<HTMLInputElement>('name'),
  room: byId<HTMLInputElement>('room'),
  signinError: byId('signin-error'),
  chat: byId('chat'),
  me: byId('me'),
  meName: byId('me-name'),
  meAvatar: byId('me-avatar'),
  status: byId('status'),
  statusText: byId('status-text'),
  reconnect: byId<HTMLButtonElement>('reconnect'),
  signOut: byId<HTMLButtonElement>('sign-out'),
  myRooms: byId<HTMLUListElement>('my-rooms'),
  allRooms: byId<HTMLUListElement>('all-rooms'),
  joinForm: byId<HTMLFormElement>('join-form'),
  joinRoom: byId<HTMLInputElement>('join-room'),
  joinError: byId('join-error'),
  roomTitle: byId('room-title'),
  roomCount: byId('room-count'),
  leave: byId<HTMLButtonElement>('leave'),
  messages: byId<HTMLOListElement>('messages'),
  composer: byId<HTMLFormElement>('composer'),
  message: byId<HTMLInputElement>('message'),
  messageLabel: byId('message-label'),
  send: byId<HTMLButtonElement>('send'),
  composerNote: byId('composer-note'),
  people: byId<HTMLUListElement>('people'),
};

ui.name.maxLength = LIMITS.displayNameLength;
ui.room.maxLength = LIMITS.roomNameLength;
ui.joinRoom.maxLength = LIMITS.roomNameLength;
ui.message.maxLength = LIMITS.messageTextLength;

const NAME_KEY = 'roomcast:name';
// Short enough to fit the sidebar on one line; the sign-in form shows the full hint.
const ROOM_RULE = 'Room: letters, digits, _ . : - only.';
const MAX_DOM_ENTRIES = 500;
const chat = new ChatState();
let client: RoomcastClient | undefined;
let allRooms: { room: string; members: number }[] = [];
let roomsTimer: ReturnType<typeof setInterval> | undefined;
let roomsSoon: ReturnType<typeof setTimeout> | undefined;

function stored(): string {
  try {
    return localStorage.getItem(NAME_KEY) ?? '';
  } catch {
    return '';
  }
}

function store(name: string): void {
  try {
    localStorage.setItem(NAME_KEY, name);
  } catch {
    // Storage can be off (private mode); the name is only a convenience.
  }
}

/** What a person should read for a failed call. */
function explain(err: unknown): string {
  if (!isRoomcastError(err)) return String(err);
  switch (err.code) {
    case 'invalid_payload':
      return err.message.includes('room') ? ROOM_RULE : err.message;
    case 'too_many_rooms':
      return 'You are in as many rooms as allowed. Leave one first.';
    case 'not_in_room':
      return 'Join the room first.';
    case 'rate_limited':
      return 'Too fast. Wait a moment and try again.';
    case 'timeout':
      return 'The server did not answer in time. Try again.';
    case 'offline':
    case 'offline_timeout':
    case 'queue_full':
    case 'disconnected':
    case 'closed':
      return 'Not connected to the server.';
    default:
      return err.message;
  }
}

function notice(text: string, tone: 'info' | 'warn' = 'info'): Entry {
  return { kind: 'notice', text, at: Date.now(), tone };
}

function add(room: string, entry: Entry): void {
  if (!chat.add(room, entry)) {
    renderMyRooms();
    return;
  }
  const nearBottom = ui.messages.scrollHeight - ui.messages.scrollTop - ui.messages.clientHeight < 80;
  ui.messages.querySelector(':scope > .empty')?.remove();
  ui.messages.append(entryItem(entry));
  while (ui.messages.childElementCount > MAX_DOM_ENTRIES) ui.messages.firstElementChild?.remove();
  if (nearBottom || (entry.kind === 'message' && entry.mine)) ui.messages.scrollTop = ui.messages.scrollHeight;
}

function activate(room: string | undefined): void {
  chat.activate(room);
  renderConversation();
  renderMyRooms();
  renderAllRooms();
  renderPeople();
}

function renderConversation(): void {
  const room = chat.active;
  ui.roomTitle.textContent = room ? `#${room}` : 'No room';
  ui.leave.disabled = !room;
  ui.message.disabled = !room;
  ui.send.disabled = !room;
  ui.messageLabel.textContent = room ? `Message #${room}` : 'Message';
  ui.message.placeholder = room ? `Message #${room}` : 'Join a room to chat';
  const entries = room ? chat.entries(room) : [];
  if (!room) ui.messages.replaceChildren(emptyLog('You are not in any room. Join one from the list.'));
  else if (entries.length === 0) ui.messages.replaceChildren(emptyLog('No messages yet. Say hello!'));
  else ui.messages.replaceChildren(...entries.map(entryItem));
  ui.messages.scrollTop = ui.messages.scrollHeight;
}

function renderMyRooms(): void {
  const total = chat.totalUnread();
  document.title = total > 0 ? `(${total}) Roomcast chat` : 'Roomcast chat';
  const rooms = client?.rooms() ?? [];
  if (rooms.length === 0) {
    ui.myRooms.replaceChildren(emptyLog('None yet'));
    return;
  }
  ui.myRooms.replaceChildren(
    ...rooms.map((room) => {
      const unread = chat.unreadCount(room);
      const people = client?.members(room).length ?? 0;
      return roomItem({
        room,
        detail: '',
        current: room === chat.active,
        joined: true,
        unread,
        label: `#${room}, ${people} here${unread ? `, ${unread} unread` : ''}`,
        onSelect: () => activate(room),
      });
    }),
  );
}

function renderAllRooms(): void {
  const mine = new Set(client?.rooms() ?? []);
  if (allRooms.length === 0) {
    ui.allRooms.replaceChildren(emptyLog('No rooms yet'));
    return;
  }
  ui.allRooms.replaceChildren(
    ...allRooms.map(({ room, members }) =>
      roomItem({
        room,
        detail: `${members} online`,
        current: false,
        joined: mine.has(room),
        unread: 0,
        label: mine.has(room) ? `Open #${room}, ${members} online` : `Join #${room}, ${members} online`,
        onSelect: () => (mine.has(room) ? activate(room) : void join(room)),
      }),
    ),
  );
}

function renderPeople(): void {
  const room = chat.active;
  const me = client?.welcome?.clientId;
  const members = room && client ? client.members(room) : [];
  members.sort((a, b) => Number(b.id === me) - Number(a.id === me) || a.name.localeCompare(b.name));
  ui.roomCount.textContent = room ? (members.length === 1 ? '1 person here' : `${members.length} people here`) : '';
  ui.people.replaceChildren(...members.map((user) => personItem(user, user.id === me)));
}

function renderStatus(change: StateChange): void {
  ui.status.dataset.state = change.state;
  ui.chat.dataset.connection = change.state;
  ui.statusText.textContent = describeState(change);
  ui.status.title = change.error?.message ?? change.reason ?? '';
  ui.reconnect.hidden = change.state !== 'closed' && change.state !== 'reconnecting';
}

async function refreshRooms(): Promise<void> {
  try {
    const res = await fetch('/rooms', { headers: { accept: 'application/json' } });
    if (!res.ok) return;
    const body = (await res.json()) as { rooms?: unknown };
    const rooms = Array.isArray(body.rooms) ? body.rooms : [];
    allRooms = rooms
      .filter(
        (r): r is { room: string; members: number } => typeof r?.room === 'string' && typeof r?.members === 'number',
      )
      .sort((a, b) => b.members - a.members || a.room.localeCompare(b.room));
    renderAllRooms();
  } catch {
    // Offline: the list stays as it was until the next refresh.
  }
}

function refreshRoomsSoon(): void {
  clearTimeout(roomsSoon);
  roomsSoon = setTimeout(() => void refreshRooms(), 250);
}

async function join(room: string): Promise<void> {
  if (!client) return;
  ui.joinError.textContent = '';
  try {
    await client.join(room);
    chat.add(room, notice(`You joined #${room}.`));
    activate(room);
    ui.joinRoom.value = '';
    ui.message.focus();
  } catch (err) {
    ui.joinError.textContent = explain(err);
  }
}

function onWelcome(welcome: Welcome, first: boolean): void {
  ui.meName.textContent = welcome.name;
  ui.meAvatar.textContent = initial(welcome.name);
  ui.meAvatar.style.setProperty(
    '--hue',
    avatar({ id: welcome.clientId, name: welcome.name }).style.getPropertyValue('--hue'),
  );
  for (const room of welcome.rooms) {
    const others = (welcome.members[room]?.length ?? 1) - 1;
    const company =
      others === 0 ? 'You are the first one here.' : `${others} other${others === 1 ? ' is' : 's are'} here.`;
    add(
      room,
      notice(first ? `Welcome, ${welcome.name}! You are in #${room}. ${company}` : `Reconnected as ${welcome.name}.`),
    );
  }
  const rooms = client?.rooms() ?? [];
  if (!chat.active || !rooms.includes(chat.active)) activate(rooms[0]);
  else activate(chat.active);
  // The composer was disabled until now; put the cursor there unless the person is elsewhere.
  if (first && document.activeElement === document.body) ui.message.focus();
  refreshRoomsSoon();
}

function connect(name: string, room: string): void {
  const c = createClient({ url: new URL('/ws', location.href).toString(), name, room });
  client = c;
  let welcomed = false;
  c.on('state', (change) => {
    renderStatus(change);
    if (change.state === 'closed' && change.error && chat.active) {
      add(chat.active, notice(`Disconnected: ${change.error.message}`, 'warn'));
    }
  });
  c.on('welcome', (welcome) => {
    onWelcome(welcome, !welcomed);
    welcomed = true;
  });
  c.on('message', (message) => {
    add(message.room, { kind: 'message', message, mine: message.from.id === c.welcome?.clientId });
  });
  c.on('user:joined', ({ room, user }) => add(room, notice(`${user.name} joined.`)));
  c.on('user:left', ({ room, user }) => add(room, notice(`${user.name} left.`)));
  c.on('presence', ({ room }) => {
    if (room === chat.active) renderPeople();
    renderMyRooms();
    refreshRoomsSoon();
  });
  c.on('rooms', (rooms) => {
    if (chat.active && !rooms.includes(chat.active)) activate(rooms[0]);
    else renderMyRooms();
    refreshRoomsSoon();
  });
  c.on('rejoin:failed', ({ room, error }) => add(room, notice(`Could not rejoin #${room}: ${explain(error)}`, 'warn')));
  c.on('error', (error) => {
    ui.composerNote.textContent = `Server: ${error.message}`;
  });
  c.on('invalid', ({ error }) => console.warn('Roomcast: ignored an invalid frame from the server:', error.message));
  renderStatus({ state: c.state, previous: c.state });
  roomsTimer = setInterval(() => void refreshRooms(), 5000);
}

function signOut(): void {
  client?.close();
  client = undefined;
  clearInterval(roomsTimer);
  clearTimeout(roomsSoon);
  chat.clear();
  allRooms = [];
  ui.chat.hidden = true;
  ui.signin.hidden = false;
  ui.me.hidden = true;
  ui.signOut.hidden = true;
  ui.reconnect.hidden = true;
  ui.status.dataset.state = 'idle';
  ui.statusText.textContent = 'Not connected';
  ui.name.focus();
}

ui.signinForm.addEventListener('submit', (event) => {
  event.preventDefault();
  const name = ui.name.value.trim();
  const room = ui.room.value.trim() || 'lobby';
  ui.signinError.textContent = '';
  if (!name) {
    ui.signinError.textContent = 'Enter a name so others know who you are.';
    ui.name.focus();
    return;
  }
  try {
    connect(name, room);
  } catch (err) {
    ui.signinError.textContent = isRoomcastError(err, 'invalid_payload')
      ? err.message.startsWith('room')
        ? ROOM_RULE
        : `Names can be up to ${LIMITS.displayNameLength} characters, without control characters.`
      : explain(err);
    return;
  }
  store(name);
  ui.signin.hidden = true;
  ui.chat.hidden = false;
  ui.me.hidden = false;
  ui.signOut.hidden = false;
  ui.meName.textContent = name;
  activate(undefined);
  void refreshRooms();
  ui.message.focus();
});

ui.joinForm.addEventListener('submit', (event) => {
  event.preventDefault();
  const room = ui.joinRoom.value.trim();
  if (room) void join(room);
});

ui.leave.addEventListener('click', async () => {
  const room = chat.active;
  if (!client || !room) return;
  try {
    await client.leave(room);
    chat.forget(room);
  } catch (err) {
    ui.composerNote.textContent = explain(err);
  }
});

ui.composer.addEventListener('submit', (event) => {
  event.preventDefault();
  const room = chat.active;
  const text = ui.message.value;
  if (!client || !room || text.trim() === '') return;
  ui.message.value = '';
  // Only what is sure: it waits for the connection; success clears this, failure says so below.
  ui.composerNote.textContent = client.state === 'open' ? '' : 'Not connected: waiting for the connection to send it…';
  client.send(room, text).then(
    () => {
      ui.composerNote.textContent = '';
    },
    (err: unknown) => {
      ui.composerNote.textContent = `Not sent: ${explain(err)}`;
      if (ui.message.value === '') ui.message.value = text;
    },
  );
});

ui.reconnect.addEventListener('click', () => client?.connect());
// Back online: retry now instead of waiting out the backoff delay.
window.addEventListener('online', () => {
  if (client?.state === 'reconnecting') client.connect();
});
ui.signOut.addEventListener('click', signOut);

ui.name.value = stored();
(ui.name.value ? ui.room : ui.name).focus();
