import { type ServerEventMap, serverValidators } from '@roomcast/protocol';
import { io, type Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningPeer } from './handshake.js';
import type { SocketIoClientEvents, SocketIoServerEvents } from './socket-io-events.js';
import { startSocketIoPeer } from './socket-io-peer.js';

type Got = { [K in keyof ServerEventMap]: { event: K; data: ServerEventMap[K] } }[keyof ServerEventMap];
const EVENTS = ['welcome', 'user:joined', 'user:left', 'message', 'error'] as const;

/** A Socket.IO client that keeps every event and checks each payload against the v1 schema. */
async function connect(port: number, name: string, room: string) {
  const got: Got[] = [];
  const invalid: unknown[] = [];
  const socket: Socket<SocketIoServerEvents, SocketIoClientEvents> = io(`http://127.0.0.1:${port}`, {
    transports: ['websocket'],
    query: { name, room },
    reconnection: false,
    forceNew: true,
  });
  for (const event of EVENTS) {
    // Untyped listener on purpose: the check below is what proves the payload's type.
    socket.on(event, ((data: unknown) => {
      if (serverValidators[event].Check(data)) got.push({ event, data } as Got);
      else invalid.push({ event, data });
    }) as never);
  }
  const waitFor = async (match: (g: Got) => boolean) => {
    for (let i = 0; i < 200; i++) {
      const found = got.find(match);
      if (found) return found;
      await new Promise((r) => setTimeout(r, 10));
    }
    throw new Error(`${name}: expected event never came; got ${JSON.stringify(got)}`);
  };
  await waitFor((g) => g.event === 'welcome');
  return { socket, got, invalid, waitFor };
}

describe('Socket.IO peer keeps protocol v1 semantics', () => {
  let peer: RunningPeer;
  beforeAll(async () => {
    peer = await startSocketIoPeer({ port: 0 });
  });
  afterAll(() => peer.close());

  it('welcomes only the newcomer, announces joins to others, delivers to all, acks through callbacks', async () => {
    const ada = await connect(peer.port, 'ada', 'r1');
    const bob = await connect(peer.port, 'bob', 'r1');
    const eve = await connect(peer.port, 'eve', 'r2');

    expect(bob.got[0]).toMatchObject({ event: 'welcome', data: { name: 'bob', rooms: ['r1'], protocol: 1 } });
    const welcome = bob.got[0]?.data as ServerEventMap['welcome'];
    expect(welcome.members.r1?.map((u) => u.name).sort()).toEqual(['ada', 'bob']);
    expect((await ada.waitFor((g) => g.event === 'user:joined')).data).toMatchObject({ user: { name: 'bob' } });
    expect(ada.got.filter((g) => g.event === 'welcome')).toHaveLength(1);

    const reply = await ada.socket.emitWithAck('send', { room: 'r1', text: 'hello', clientMsgId: 'm1' });
    expect(reply).toEqual({ ok: true, result: { room: 'r1', seq: 1 } });
    for (const c of [ada, bob]) {
      const msg = await c.waitFor((g) => g.event === 'message');
      expect(msg.data).toMatchObject({ room: 'r1', seq: 1, text: 'hello', clientMsgId: 'm1', from: { name: 'ada' } });
    }
    const second = await bob.socket.emitWithAck('send', { room: 'r1', text: 'again' });
    expect(second).toEqual({ ok: true, result: { room: 'r1', seq: 2 } });

    expect(await ada.socket.emitWithAck('send', { room: 'r2', text: 'nope' })).toMatchObject({
      ok: false,
      error: { code: 'not_in_room' },
    });
    // Without a callback, bad input comes back as an `error` event, never silently dropped.
    ada.socket.emit('send', { room: 'r1' } as never);
    expect((await ada.waitFor((g) => g.event === 'error')).data).toMatchObject({ code: 'invalid_payload' });

    bob.socket.disconnect();
    expect((await ada.waitFor((g) => g.event === 'user:left')).data).toMatchObject({
      room: 'r1',
      user: { name: 'bob' },
    });

    expect(eve.got.map((g) => g.event)).toEqual(['welcome']);
    expect(bob.got.some((g) => g.event === 'user:joined')).toBe(false);
    expect([...ada.invalid, ...bob.invalid, ...eve.invalid]).toEqual([]);
    ada.socket.disconnect();
    eve.socket.disconnect();
  });

  it('refuses a handshake whose room fails the schema', async () => {
    const socket = io(`http://127.0.0.1:${peer.port}`, {
      transports: ['websocket'],
      query: { room: 'bad room!' },
      reconnection: false,
      forceNew: true,
    });
    const err = await new Promise<Error>((resolve) => socket.once('connect_error', resolve));
    expect(err.message).toBe('Invalid room or name');
    socket.disconnect();
  });
});
