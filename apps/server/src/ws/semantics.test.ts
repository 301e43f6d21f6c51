import { encodeClientEvent } from '@roomcast/protocol';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { startServer, TestClient, type TestServer } from '../testing/harness.js';

let server: TestServer;
const clients: TestClient[] = [];
const join = async (name: string, room = 'lobby') => {
  const c = await TestClient.join(server.ws, name, room);
  clients.push(c);
  return c;
};

beforeEach(async () => {
  server = await startServer();
});
afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close()));
  await server.app.close();
});

describe('to one connection: welcome', () => {
  it('is the first frame, names the client and lists the room with itself in it', async () => {
    const ann = await TestClient.connect(server.ws, { name: 'ann', room: 'r1' });
    clients.push(ann);
    const welcome = await ann.next('welcome');
    expect(welcome).toMatchObject({ name: 'ann', rooms: ['r1'], protocol: 1 });
    expect(welcome.members).toEqual({ r1: [{ id: welcome.clientId, name: 'ann' }] });
  });

  it('defaults to the lobby and a generated name', async () => {
    const anon = await TestClient.connect(server.ws);
    clients.push(anon);
    const welcome = await anon.next('welcome');
    expect(welcome.rooms).toEqual(['lobby']);
    expect(welcome.name).toMatch(/^guest-[0-9a-f]{4}$/);
  });

  it('goes to the newcomer only, and lists members already there', async () => {
    const ann = await join('ann');
    const bob = await join('bob');
    await ann.sync();
    expect(ann.unread().map((f) => f.event)).toEqual(['user:joined']);
    const bobWelcome = bob.frames[0];
    expect(bobWelcome?.event).toBe('welcome');
    if (bobWelcome?.event === 'welcome') {
      expect(bobWelcome.data.members.lobby?.map((u) => u.name)).toEqual(['ann', 'bob']);
    }
  });
});

describe('to everyone else: user:joined / user:left', () => {
  it('announces a join to every other member and never to the joiner', async () => {
    const ann = await join('ann');
    const bob = await join('bob');
    const cat = await join('cat');
    expect(await ann.next('user:joined')).toEqual({ room: 'lobby', user: { id: bob.id, name: 'bob' } });
    expect(await ann.next('user:joined')).toEqual({ room: 'lobby', user: { id: cat.id, name: 'cat' } });
    expect(await bob.next('user:joined')).toEqual({ room: 'lobby', user: { id: cat.id, name: 'cat' } });
    await Promise.all([ann.sync(), bob.sync(), cat.sync()]);
    for (const c of [ann, bob, cat]) expect(c.unread()).toEqual([]);
  });

  it('announces a join by `join` event, and the ack carries the members', async () => {
    const ann = await join('ann', 'a');
    const bob = await join('bob', 'b');
    const id = bob.emit('join', { room: 'a' });
    const ack = await bob.next('ack');
    expect(ack).toEqual({
      id,
      result: {
        room: 'a',
        members: [
          { id: ann.id, name: 'ann' },
          { id: bob.id, name: 'bob' },
        ],
        position: { epoch: expect.any(String), seq: 0 },
      },
    });
    expect(await ann.next('user:joined')).toEqual({ room: 'a', user: { id: bob.id, name: 'bob' } });
  });

  it('announces leave and disconnect to the others only', async () => {
    const ann = await join('ann');
    const bob = await join('bob');
    const cat = await join('cat');
    await ann.next('user:joined');
    await ann.next('user:joined');
    await bob.next('user:joined');

    const id = bob.emit('leave', { room: 'lobby' });
    expect(await bob.next('ack')).toEqual({ id, result: { room: 'lobby' } });
    expect(await ann.next('user:left')).toEqual({ room: 'lobby', user: { id: bob.id, name: 'bob' } });
    expect(await cat.next('user:left')).toEqual({ room: 'lobby', user: { id: bob.id, name: 'bob' } });

    await cat.close();
    expect(await ann.next('user:left')).toEqual({ room: 'lobby', user: { id: cat.id, name: 'cat' } });
    // The room goes on for whoever is left in it.
    ann.emit('send', { room: 'lobby', text: 'still here' }, false);
    expect(await ann.next('message')).toMatchObject({ room: 'lobby', text: 'still here' });
    await Promise.all([ann.sync(), bob.sync()]);
    expect(ann.unread()).toEqual([]);
    expect(bob.unread()).toEqual([]);
  });
});

describe('to all: message', () => {
  it('reaches every member exactly once, the sender included, before the sender’s ack', async () => {
    const ann = await join('ann');
    const bob = await join('bob');
    await ann.next('user:joined');
    const id = bob.emit('send', { room: 'lobby', text: 'hello', clientMsgId: 'm-1' });
    const expected = { room: 'lobby', seq: 1, from: { id: bob.id, name: 'bob' }, text: 'hello', clientMsgId: 'm-1' };
    const seen = await bob.next('message');
    expect(seen).toMatchObject(expected);
    expect(await bob.next('ack')).toEqual({ id, result: { room: 'lobby', seq: 1 } });
    expect(await ann.next('message')).toEqual(seen);
    expect(Math.abs(seen.sentAt - Date.now())).toBeLessThan(60_000);
    await Promise.all([ann.sync(), bob.sync()]);
    expect([...ann.unread(), ...bob.unread()]).toEqual([]);
  });

  it('numbers messages per room with strictly increasing seq, in order for every member', async () => {
    const ann = await join('ann');
    const bob = await join('bob');
    for (let i = 0; i < 20; i++) (i % 2 ? ann : bob).emit('send', { room: 'lobby', text: `m${i}` }, false);
    for (const c of [ann, bob]) {
      await c.until(() => c.frames.filter((f) => f.event === 'message').length === 20, '20 messages');
      const messages = c.frames.flatMap((f) => (f.event === 'message' ? [f.data] : []));
      expect(messages.map((m) => m.seq)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
      // Two sockets race each other; each sender's own order must hold.
      for (const sender of [ann, bob]) {
        const own = messages.filter((m) => m.from.id === sender.id).map((m) => Number(m.text.slice(1)));
        expect(own).toEqual([...own].sort((a, b) => a - b));
        expect(own).toHaveLength(10);
      }
    }
  });

  it('keeps rooms isolated', async () => {
    const ann = await join('ann', 'red');
    const bob = await join('bob', 'blue');
    const cat = await join('cat', 'red');
    await ann.next('user:joined');
    ann.emit('send', { room: 'red', text: 'red only' });
    await cat.next('message');
    bob.emit('send', { room: 'blue', text: 'blue only' });
    const blue = await bob.next('message');
    expect(blue.seq).toBe(1);
    await Promise.all([ann.sync(), bob.sync(), cat.sync()]);
    const texts = (c: TestClient) => c.frames.flatMap((f) => (f.event === 'message' ? [f.data.text] : []));
    expect(texts(ann)).toEqual(['red only']);
    expect(texts(cat)).toEqual(['red only']);
    expect(texts(bob)).toEqual(['blue only']);
    expect(bob.frames.some((f) => f.event === 'user:joined')).toBe(false);
  });

  it('delivers to a connection in several rooms, tagged with the room', async () => {
    const ann = await join('ann', 'a');
    ann.emit('join', { room: 'b' });
    await ann.next('ack');
    const bob = await join('bob', 'b');
    await ann.next('user:joined');
    bob.emit('send', { room: 'b', text: 'to b' }, false);
    expect(await ann.next('message')).toMatchObject({ room: 'b', text: 'to b' });
  });
});

describe('fan-out cost', () => {
  it('serializes a broadcast once, not once per recipient', async () => {
    const members = await Promise.all(Array.from({ length: 20 }, (_, i) => join(`m${i}`, 'big')));
    const sender = members[0] as TestClient;
    sender.emit('send', { room: 'big', text: 'to all' }, false);
    // Installed after the client encoded its frame; counts only what the server serializes.
    const stringify = vi.spyOn(JSON, 'stringify');
    try {
      for (const m of members) await m.until(() => m.frames.some((f) => f.event === 'message'), 'the message');
      const messageEncodings = stringify.mock.calls.filter(([v]) => (v as { event?: string })?.event === 'message');
      expect(messageEncodings).toHaveLength(1);
    } finally {
      stringify.mockRestore();
    }
  });
});

describe('requests', () => {
  it('name the room in not_in_room, and acknowledge a refresh with nothing to refresh when auth is off', async () => {
    const ann = await join('ann');
    ann.sendRaw(encodeClientEvent('send', { room: 'nowhere', text: 'x' }, 41));
    expect(await ann.next('error')).toEqual({
      code: 'not_in_room',
      message: 'Join room "nowhere" before sending to it',
      id: 41,
    });
    ann.sendRaw(encodeClientEvent('leave', { room: 'nowhere' }, 42));
    expect(await ann.next('error')).toEqual({ code: 'not_in_room', message: 'Not a member of room "nowhere"', id: 42 });
    ann.sendRaw(encodeClientEvent('refresh', { token: 'not-checked-without-auth' }, 43));
    expect(await ann.next('ack')).toEqual({ id: 43, result: {} });
  });

  it('answer each id exactly once: ack or error', async () => {
    const ann = await join('ann');
    const ids = [
      ann.emit('send', { room: 'nowhere', text: 'x' }),
      ann.emit('join', { room: 'lobby' }),
      ann.emit('leave', { room: 'nowhere' }),
      ann.emit('send', { room: 'lobby', text: 'y' }),
    ];
    await ann.sync();
    const replies = ann.unread().flatMap((f) => (f.event === 'ack' || f.event === 'error' ? [f] : []));
    expect(replies.map((f) => [f.event, f.data.id])).toEqual([
      ['error', ids[0]],
      ['ack', ids[1]],
      ['error', ids[2]],
      ['ack', ids[3]],
    ]);
    expect(replies[0]?.data).toMatchObject({ code: 'not_in_room' });
    expect(replies[2]?.data).toMatchObject({ code: 'not_in_room' });
  });

  it('makes join idempotent: no second announcement', async () => {
    const ann = await join('ann');
    const bob = await join('bob');
    await ann.next('user:joined');
    bob.emit('join', { room: 'lobby' });
    expect((await bob.next('ack')).result).toMatchObject({ room: 'lobby' });
    await ann.sync();
    expect(ann.unread()).toEqual([]);
  });

  it('bounds the rooms per connection', async () => {
    await server.app.close();
    server = await startServer({ config: { MAX_ROOMS_PER_CONNECTION: 2 } });
    const ann = await join('ann', 'a');
    ann.emit('join', { room: 'b' });
    await ann.next('ack');
    const id = ann.emit('join', { room: 'c' });
    expect(await ann.next('error')).toEqual({
      code: 'too_many_rooms',
      message: 'A connection can be in at most 2 rooms',
      id,
    });
  });
});
