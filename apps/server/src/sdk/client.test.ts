import { createClient, isRoomcastError, type RoomcastClient, RoomcastError } from '@roomcast/client';
import { next, record } from '@roomcast/client/testing';
import type { Message, UserJoined, Welcome } from '@roomcast/protocol';
import { afterEach, beforeEach, describe, expect, expectTypeOf, it } from 'vitest';
import { WebSocket } from 'ws';
import { memberNames, startServer, type TestServer } from './server.js';

let server: TestServer;
const clients: RoomcastClient[] = [];

function connect(name: string, room?: string, extra: { timeoutMs?: number } = {}): RoomcastClient {
  const client = createClient({ url: server.url, name, WebSocket, ...(room ? { room } : {}), ...extra });
  clients.push(client);
  return client;
}

async function rejection(promise: Promise<unknown>): Promise<RoomcastError> {
  const error = await promise.then(
    () => {
      throw new Error('expected the call to reject');
    },
    (err: unknown) => err,
  );
  expect(error).toBeInstanceOf(RoomcastError);
  return error as RoomcastError;
}

beforeEach(async () => {
  server = await startServer({ MAX_ROOMS_PER_CONNECTION: 3 });
});

afterEach(async () => {
  for (const client of clients.splice(0)) client.close();
  await server.app.close();
});

describe('RoomcastClient against the real server', () => {
  it('connects, gets its welcome and knows who is in its room', async () => {
    const ada = connect('ada');
    expect(ada.state).toBe('connecting');
    const welcome = await ada.ready();
    expectTypeOf(welcome).toEqualTypeOf<Welcome>();
    expect(welcome).toMatchObject({ name: 'ada', rooms: ['lobby'], protocol: 1 });
    expect(ada.state).toBe('open');
    expect(ada.rooms()).toEqual(['lobby']);
    expect(ada.members('lobby')).toEqual([{ id: welcome.clientId, name: 'ada' }]);
  });

  it('round-trips join, send and message, typed from the protocol', async () => {
    const ada = connect('ada', 'r1');
    await ada.ready();
    const arrivals = next(ada, 'user:joined', (e) => e.user.name === 'bob');
    const bob = connect('bob', 'lobby');
    await bob.ready();

    const joined = await bob.join('r1');
    expect(joined.room).toBe('r1');
    expect(joined.members.map((m) => m.name).sort()).toEqual(['ada', 'bob']);
    const arrival = await arrivals;
    expectTypeOf(arrival).toEqualTypeOf<UserJoined>();
    expect(arrival.room).toBe('r1');
    expect(
      ada
        .members('r1')
        .map((m) => m.name)
        .sort(),
    ).toEqual(['ada', 'bob']);

    const adaSees = next(ada, 'message');
    const bobSees = next(bob, 'message');
    ada.on('message', (m) => expectTypeOf(m).toEqualTypeOf<Message>());
    const ack = await bob.send('r1', 'hello ada', { clientMsgId: 'm-1' });
    // A fresh server: the room's first message.
    expect(ack).toEqual({ room: 'r1', seq: 1 });
    for (const message of [await adaSees, await bobSees]) {
      expect(message).toMatchObject({ room: 'r1', seq: ack.seq, text: 'hello ada', clientMsgId: 'm-1' });
      expect(message.from.name).toBe('bob');
    }
    expect(ada.lastSeq('r1')).toBe(ack.seq);
    const second = await ada.send('r1', 'hi bob');
    expect(second).toEqual({ room: 'r1', seq: 2 });
  });

  it('keeps presence live as members leave and tells the leaver its rooms', async () => {
    const ada = connect('ada', 'r1');
    const bob = connect('bob', 'r1');
    await Promise.all([ada.ready(), bob.ready()]);
    await expect.poll(() => ada.members('r1').length).toBe(2);

    const gone = next(ada, 'user:left');
    const rooms = next(bob, 'rooms');
    expect(await bob.leave('r1')).toEqual({ room: 'r1' });
    expect((await gone).user.name).toBe('bob');
    expect(await rooms).toEqual([]);
    expect(bob.rooms()).toEqual([]);
    expect(bob.members('r1')).toEqual([]);
    expect(ada.members('r1').map((m) => m.name)).toEqual(['ada']);
  });

  it('rejects with the protocol error code when the server refuses a call', async () => {
    const ada = connect('ada');
    await ada.ready();
    const notIn = await rejection(ada.send('elsewhere', 'hi'));
    expect(notIn.code).toBe('not_in_room');
    expect(notIn.retry).toBe(false);
    expect(typeof notIn.requestId).toBe('number');
    expect(isRoomcastError(notIn, 'not_in_room')).toBe(true);

    await ada.join('a');
    await ada.join('b');
    const tooMany = await rejection(ada.join('c'));
    expect(tooMany.code).toBe('too_many_rooms');
    expect(ada.rooms().sort()).toEqual(['a', 'b', 'lobby']);
    expect(ada.members('c')).toEqual([]);
  });

  it('rejects a call the schema forbids before it reaches the server', async () => {
    const ada = connect('ada');
    await ada.ready();
    const errors = record(ada, 'error');
    const bad = await rejection(ada.join('not a room!'));
    expect(bad.code).toBe('invalid_payload');
    expect(bad.message).toContain('/data/room');
    expect((await rejection(ada.send('lobby', ''))).code).toBe('invalid_payload');
    // The connection is untouched and the server never saw the frames.
    expect(await ada.send('lobby', 'still here')).toEqual({ room: 'lobby', seq: 1 });
    expect(errors).toEqual([]);
  });

  it('refuses options the server would refuse, synchronously', () => {
    expect(() => createClient({ url: server.url, name: '' })).toThrow(RoomcastError);
    expect(() => createClient({ url: server.url, room: 'no spaces' })).toThrow(/room/);
    expect(() => createClient({ url: 'ftp://example.test/ws' })).toThrow(/url/);
  });

  it('turns an http URL into ws and loads `ws` by itself on Node 20', async () => {
    const client = createClient({ url: `${server.http}/ws`, name: 'node' });
    clients.push(client);
    expect((await client.ready()).name).toBe('node');
    expect(await memberNames(server, 'lobby')).toEqual(['node']);
  });

  it('closes on request and rejects later calls with `closed`', async () => {
    const ada = connect('ada');
    await ada.ready();
    const states = record(ada, 'state');
    ada.close();
    expect(ada.state).toBe('closed');
    expect(states.map((s) => s.state)).toEqual(['closed']);
    expect((await rejection(ada.send('lobby', 'hi'))).code).toBe('closed');
    await expect.poll(() => server.app.hub.connections.size).toBe(0);
  });
});
