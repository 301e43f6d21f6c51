import {
  createClient,
  DEFAULT_OFFLINE_TIMEOUT_MS,
  isRoomcastError,
  type RoomcastClient,
  type StateChange,
} from '@roomcast/client';
import { LIMITS, type Welcome } from '@roomcast/protocol';
import { ChatState, type Entry } from './chat-state.js';
import { byId } from './dom.js';
import { Drawer } from './drawer.js';
import { describeState, emptyLog, entryItem, hue, initial, personItem, roomItem, unreadBadge } from './views.js';

const ui = {
  signin: byId('signin'),
  signinForm: byId<HTMLFormElement>('signin-form'),
  name: byId<HTMLInputElement>('name'),
  room: byId<HTMLInputElement>('room'),
  signinError: byId('signin-error'),
  chat: byId('chat'),
  topbar: byId('topbar'),
  menu: byId<HTMLButtonElement>('menu'),
  menuUnread: byId('menu-unread'),
  conversation: byId('conversation'),
  drawer: byId('drawer'),
  drawerBackdrop: byId('drawer-backdrop'),
  drawerClose: byId<HTMLButtonElement>('drawer-close'),
  drawerSignOut: byId<HTMLButtonElement>('drawer-sign-out'),
  me: byId('me'),
  meName: byId('me-name'),
  meAvatar: byId('me-avatar'),
  status: byId('status'),
  statusText: byId('status-text'),
  reconnect: byId<HTMLButtonElement>('reconnect'),
  signOut: byId<HTMLButtonElement>('sign-out'),
  myRooms: byId<HTMLUListElement>('my-rooms'),
  allRooms: byId<HTMLUListElement>('all-rooms'),
  allRoomsNote: byId('all-rooms-note'),
  joinForm: byId<HTMLFormElement>('join-form'),
  joinRoom: byId<HTMLInputElement>('join-room'),
  joinError: byId('join-error'),
  roomTitle: byId('room-title'),
  roomCount: byId('room-count'),
  leave: byId<HTMLButtonElement>('leave'),
  /** The scrolling log; its list holds the entries. */
  messages: byId('messages'),
  messageList: byId<HTMLOListElement>('message-list'),
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

// Per tab (sessionStorage): a second tab must not offer the first tab's name, where Enter
// would make a second "alice". A reload of the same tab still remembers it.
const NAME_KEY = 'roomcast:name';
// Short enough to fit the sidebar on one line; the sign-in form shows the full hint.
const ROOM_RULE = 'Room: letters, digits, _ . : - only.';
const MAX_DOM_ENTRIES = 500;
const chat = new ChatState();
let client: RoomcastClient | undefined;
let allRooms: { room: string; members: number }[] = [];
let roomsTimer: ReturnType<typeof setInterval> | undefined;
let roomsSoon: ReturnType<typeof setTimeout> | undefined;
/** The room the person asked to leave, while that call is in flight. */
let leaving: string | undefined;
/** Shown in the log when the person is in no room (after leaving the last one, say). */
let noRoomNote: string | undefined;

const drawer = new Drawer({
  button: ui.menu,
  drawer: ui.drawer,
  backdrop: ui.drawerBackdrop,
  close: ui.drawerClose,
  covered: [ui.topbar, ui.conversation],
});

function stored(): string {
  try {
    return sessionStorage.getItem(NAME_KEY) ?? '';
  } catch {
    return '';
  }
}

function store(name: string): void {
  try {
    sessionStorage.setItem(NAME_KEY, name);
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
  const log = ui.messages;
  const nearBottom = log.scrollHeight - log.scrollTop - log.clientHeight < 80;
  ui.messageList.querySelector(':scope > .empty')?.remove();
  ui.messageList.append(entryItem(entry));
  while (ui.messageList.childElementCount > MAX_DOM_ENTRIES) ui.messageList.firstElementChild?.remove();
  if (nearBottom || (entry.kind === 'message' && entry.mine)) log.scrollTop = log.scrollHeight;
}

function activate(room: string | undefined): void {
  if (room) noRoomNote = undefined;
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
  const list = ui.messageList;
  if (!room) list.replaceChildren(emptyLog(noRoomNote ?? 'You are not in any room. Join one from the room list.'));
  else if (entries.length === 0) list.replaceChildren(emptyLog('No messages yet. Say hello!'));
  else list.replaceChildren(...entries.map(entryItem));
  ui.messages.scrollTop = ui.messages.scrollHeight;
}

function renderMyRooms(): void {
  const total = chat.totalUnread();
  document.title = total > 0 ? `(${total}) Roomcast chat` : 'Roomcast chat';
  ui.menuUnread.replaceChildren(...(total > 0 ? [unreadBadge(total)] : []));
  const rooms = client?.rooms() ?? [];
  if (rooms.length === 0) {
    ui.myRooms.replaceChildren(emptyLog('None yet'));
    return;
  }
  ui.myRooms.replaceChildren(
    ...rooms.map((room) => {
      return roomItem({
        room,
        detail: '',
        current: room === chat.active,
        joined: true,
        unread: chat.unreadCount(room),
        onSelect: () => show(room),
      });
    }),
  );
}

/** Shows one of the person's rooms, ready to write in (on a phone, back from the drawer). */
function show(room: string): void {
  activate(room);
  drawer.close(null);
  ui.message.focus();
}

function renderAllRooms(): void {
  const mine = new Set(client?.rooms() ?? []);
  // Offline, the last list stays (marked) rather than flipping to "No rooms yet".
  const live = client?.state === 'open';
  ui.allRooms.dataset.stale = String(!live);
  ui.allRoomsNote.textContent = live || allRooms.length === 0 ? '' : '(last known)';
  if (allRooms.length === 0) {
    ui.allRooms.replaceChildren(emptyLog(live ? 'No rooms yet' : 'Waiting for the connection…'));
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
        onSelect: () => (mine.has(room) ? show(room) : void join(room)),
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
  renderAllRooms();
}

// A server with auth on: open the page with #token=<JWT>. In the fragment it is never sent in a
// request line or a Referer; the page hands it to the socket and to the room listing.
const token = new URLSearchParams(location.hash.slice(1)).get('token') ?? undefined;
const apiHeaders = (): Record<string, string> => ({
  accept: 'application/json',
  ...(token ? { authorization: `Bearer ${token}` } : {}),
});

/** Why the server turns this page away, if it does: a browser cannot read a refused upgrade's status, the listing can. */
async function refusal(): Promise<string | undefined> {
  try {
    const res = await fetch('/rooms?limit=1', { headers: apiHeaders() });
    if (res.status !== 401) return undefined;
    const body = (await res.json().catch(() => ({}))) as { message?: unknown };
    const why = typeof body.message === 'string' ? body.message : 'unauthorized';
    return token
      ? `The server refused your token (${why}).`
      : 'This server requires a token: open this page with #token=<your token> at the end of its address.';
  } catch {
    return undefined;
  }
}

function showRefusal(message: string): void {
  ui.status.dataset.state = 'closed';
  ui.statusText.textContent = message;
  ui.signinError.textContent = message;
  ui.composerNote.textContent = message;
}

async function refreshRooms(): Promise<void> {
  // While reconnecting the server's list lacks this person's rooms: keep the last one instead.
  if (client?.state !== 'open') return;
  try {
    const res = await fetch('/rooms', { headers: apiHeaders() });
    if (!res.ok || client?.state !== 'open') return;
    const body = (await res.json()) as { rooms?: unknown };
    const rooms = Array.isArray(body.rooms) ? body.rooms : [];
    allRooms = rooms.filter(
      (r): r is { room: string; members: number } => typeof r?.room === 'string' && typeof r?.members === 'number',
    );
    // The person's own rooms are listed even if the poll raced a join.
    for (const room of client.rooms()) {
      const members = client.memberCount(room) ?? client.members(room).length;
      if (!allRooms.some((r) => r.room === room)) allRooms.push({ room, members });
    }
    allRooms.sort((a, b) => b.members - a.members || a.room.localeCompare(b.room));
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
    drawer.close(null);
    ui.message.focus();
  } catch (err) {
    ui.joinError.textContent = explain(err);
  }
}

/** Your own name and avatar in the top bar; the colour follows the name, so a reconnect keeps it. */
function showMe(name: string): void {
  ui.meName.textContent = name;
  ui.meName.title = name;
  ui.meAvatar.textContent = initial(name);
  ui.meAvatar.style.setProperty('--hue', String(hue(name)));
}

/** The active room is gone from the person's rooms: say so where they will look, and move on. */
function moveOn(gone: string, rooms: string[]): void {
  const asked = leaving === gone;
  const next = rooms[0];
  const what = asked ? `You left #${gone}.` : `You are no longer in #${gone}.`;
  if (next) chat.add(next, notice(`${what} Now showing #${next}.`));
  else noRoomNote = `${what} You are not in any room now: join one from the room list.`;
  activate(next);
  if (!asked) return;
  if (next) ui.message.focus();
  else if (drawer.isOpen || ui.joinRoom.getClientRects().length > 0) ui.joinRoom.focus();
  else ui.menu.focus();
}

function onWelcome(welcome: Welcome, first: boolean): void {
  showMe(welcome.name);
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
  const at = document.activeElement;
  if (first && (!at || at === document.body || ui.signin.contains(at))) ui.message.focus();
  refreshRoomsSoon();
}

function connect(name: string, room: string): void {
  const c = createClient({ url: new URL('/ws', location.href).toString(), name, room, token });
  client = c;
  let welcomed = false;
  c.on('state', (change) => {
    renderStatus(change);
    // A connection that does not come up may be a refused token: say so instead of retrying silently.
    // Only worth asking with a token, or before the first welcome: otherwise the server is just away.
    if ((change.state === 'reconnecting' || change.state === 'closed') && (token !== undefined || !welcomed)) {
      void refusal().then((message) => {
        if (!message || client !== c) return;
        c.close();
        showRefusal(message);
      });
    }
    if (change.state === 'closed' && change.error && chat.active) {
      add(chat.active, notice(`Disconnected: ${change.error.message}`, 'warn'));
    }
  });
  c.on('welcome', (welcome) => {
    onWelcome(welcome, !welcomed);
    welcomed = true;
  });
  c.on('message', (message) => {
    const from = message.from.clientId ?? message.from.id;
    add(message.room, { kind: 'message', message, mine: from === c.welcome?.clientId });
  });
  c.on('recovery', ({ room, recovered, missing }) => {
    if (recovered) return;
    const gone = missing && missing.from <= missing.to ? `Messages ${missing.from}–${missing.to}` : 'Some messages';
    add(room, notice(`${gone} sent while you were away could not be recovered.`, 'warn'));
  });
  c.on('user:joined', ({ room, user }) => add(room, notice(`${user.name} joined.`)));
  c.on('user:left', ({ room, user }) => add(room, notice(`${user.name} left.`)));
  c.on('presence', ({ room }) => {
    if (room === chat.active) renderPeople();
    renderMyRooms();
    refreshRoomsSoon();
  });
  c.on('rooms', (rooms) => {
    if (chat.active && !rooms.includes(chat.active)) moveOn(chat.active, rooms);
    else renderMyRooms();
    refreshRoomsSoon();
  });
  c.on('rejoin:failed', ({ room, error }) => {
    // By now the room is gone from the list and another one (or none) is on screen: tell it there.
    const text = `Could not rejoin #${room}: ${explain(error)}`;
    if (chat.active) add(chat.active, notice(text, 'warn'));
    else {
      noRoomNote = text;
      renderConversation();
    }
  });
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
  noRoomNote = undefined;
  drawer.close(null);
  document.body.dataset.view = 'signin';
  ui.menu.hidden = true;
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
  document.body.dataset.view = 'chat';
  ui.signin.hidden = true;
  ui.chat.hidden = false;
  ui.menu.hidden = false;
  ui.me.hidden = false;
  ui.signOut.hidden = false;
  showMe(name);
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
  leaving = room;
  try {
    await client.leave(room);
    chat.forget(room);
  } catch (err) {
    ui.composerNote.textContent = explain(err);
  } finally {
    leaving = undefined;
  }
});

ui.composer.addEventListener('submit', (event) => {
  event.preventDefault();
  const room = chat.active;
  const text = ui.message.value;
  if (!client || !room || text.trim() === '') return;
  ui.message.value = '';
  // Only what is sure: it waits for the connection up to the client's offline deadline; success
  // clears this, failure says so below.
  ui.composerNote.textContent =
    client.state === 'open'
      ? ''
      : `Offline: the message will go out if the connection is back within ${DEFAULT_OFFLINE_TIMEOUT_MS / 1000} s.`;
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
ui.drawerSignOut.addEventListener('click', signOut);

ui.name.value = stored();
(ui.name.value ? ui.room : ui.name).focus();
