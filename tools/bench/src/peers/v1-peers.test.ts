import { decodeServerFrameStrict, encodeClientEvent, type ServerFrame } from '@roomcast/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import type { RunningPeer } from './handshake.js';
import { startUwsPeer } from './uws-peer.js';
import { startWsPeer } from './ws-peer.js';

/** A raw protocol v1 client that keeps every frame, validated by the protocol package. */
async function connect(port: number, name: string, room: string) {
  const frames: ServerFrame[] = [];
  const invalid: string[] = [];
  const socket = new WebSocket(`ws://127.0.0.1:${port}/ws?name=${name}&room=${room}`);
  socket.on('message', (raw) => {
    const decoded = decodeServerFrameStrict(raw.toString());
    if (decoded.ok) frames.push(decoded.frame);
    else invalid.push(raw.toString());
  });
  await new Promise((resolve, reject) => {
    socket.once('open', resolve);
    socket.once('error', reject);
  });
  const waitFor = async (match: (f: ServerFrame) => boolean) => {
    for (let i = 0; i < 200; i++) {
      const found = frames.find(match);
      if (found) return found;
      await new Promise((r) => setTimeout(r, 10));
    }
    throw new Error(`${name}: expected frame never came; got ${JSON.stringify(frames)}`);
  };
  await waitFor((f) => f.event === 'welcome');
  return { socket, frames, invalid, waitFor };
}

// Both v1 peers keep the same semantics; the same test holds each to them.
describe.each([
  ['ws peer', startWsPeer],
  ['uWebSockets.js peer', startUwsPeer],
])('%s speaks protocol v1', (_label, start) => {
  let peer: RunningPeer;
  beforeAll(async () => {
    peer = await start({ port: 0 });
  });
  afterAll(() => peer.close());

  it('welcomes only the newcomer, announces joins to others, delivers to all, acks by id', async () => {
    const ada = await connect(peer.port, 'ada', 'r1');
    const bob = await connect(peer.port, 'bob', 'r1');
    const eve = await connect(peer.port, 'eve', 'r2');

    expect(ada.frames[0]?.event).toBe('welcome');
    expect(bob.frames[0]).toMatchObject({ event: 'welcome', data: { name: 'bob', rooms: ['r1'], protocol: 1 } });
    const bobWelcome = bob.frames[0]?.data as { clientId: string; members: Record<string, { name: string }[]> };
    expect(bobWelcome.members.r1?.map((u) => u.name).sort()).toEqual(['ada', 'bob']);

    await ada.waitFor((f) => f.event === 'user:joined');
    expect(ada.frames.filter((f) => f.event === 'welcome')).toHaveLength(1);
    expect(ada.frames.find((f) => f.event === 'user:joined')?.data).toMatchObject({
      room: 'r1',
      user: { name: 'bob' },
    });

    ada.socket.send(encodeClientEvent('send', { room: 'r1', text: 'hello', clientMsgId: 'm1' }, 7));
    const ack = await ada.waitFor((f) => f.event === 'ack');
    expect(ack.data).toEqual({ id: 7, result: { room: 'r1', seq: 1 } });
    for (const c of [ada, bob]) {
      const msg = await c.waitFor((f) => f.event === 'message');
      expect(msg.data).toMatchObject({ room: 'r1', seq: 1, text: 'hello', clientMsgId: 'm1', from: { name: 'ada' } });
    }

    ada.socket.send(encodeClientEvent('send', { room: 'r2', text: 'nope' }, 8));
    expect((await ada.waitFor((f) => f.event === 'error')).data).toMatchObject({ code: 'not_in_room', id: 8 });
    ada.socket.send('{not json');
    await ada.waitFor((f) => f.event === 'error' && f.data.code === 'bad_json');

    bob.socket.close();
    expect((await ada.waitFor((f) => f.event === 'user:left')).data).toMatchObject({
      room: 'r1',
      user: { name: 'bob' },
    });

    // Nothing from r1 crossed into r2, and the joiner never heard about itself.
    expect(eve.frames.map((f) => f.event)).toEqual(['welcome']);
    expect(bob.frames.some((f) => f.event === 'user:joined')).toBe(false);
    expect([...ada.invalid, ...bob.invalid, ...eve.invalid]).toEqual([]);
    ada.socket.close();
    eve.socket.close();
  });

  it('joins and leaves by frame: acks with members, presence to the others only, not_in_room after leaving', async () => {
    const kim = await connect(peer.port, 'kim', 'j1');
    const lee = await connect(peer.port, 'lee', 'j2');
    kim.socket.send(encodeClientEvent('join', { room: 'j2' }, 1));
    const joined = await kim.waitFor((f) => f.event === 'ack');
    expect(joined.data).toMatchObject({ id: 1, result: { room: 'j2' } });
    const names = (joined.data as { result: { members: { name: string }[] } }).result.members.map((u) => u.name);
    expect(names.sort()).toEqual(['kim', 'lee']);
    expect((await lee.waitFor((f) => f.event === 'user:joined')).data).toMatchObject({
      room: 'j2',
      user: { name: 'kim' },
    });

    kim.socket.send(encodeClientEvent('leave', { room: 'j2' }, 2));
    expect((await kim.waitFor((f) => f.event === 'ack' && f.data.id === 2)).data).toEqual({
      id: 2,
      result: { room: 'j2' },
    });
    expect((await lee.waitFor((f) => f.event === 'user:left')).data).toMatchObject({
      room: 'j2',
      user: { name: 'kim' },
    });
    kim.socket.send(encodeClientEvent('leave', { room: 'j2' }, 3));
    expect((await kim.waitFor((f) => f.event === 'error')).data).toMatchObject({ code: 'not_in_room', id: 3 });
    kim.socket.send(Buffer.from([1, 2, 3]), { binary: true });
    await kim.waitFor((f) => f.event === 'error' && f.data.code === 'binary_unsupported');

    // The leaver heard none of its own presence; exactly one join and one leave reached lee.
    expect(kim.frames.filter((f) => f.event === 'user:joined' || f.event === 'user:left')).toEqual([]);
    expect(lee.frames.map((f) => f.event)).toEqual(['welcome', 'user:joined', 'user:left']);
    expect([...kim.invalid, ...lee.invalid]).toEqual([]);
    kim.socket.close();
    lee.socket.close();
  });

  it('refuses a handshake whose room fails the schema', async () => {
    const socket = new WebSocket(`ws://127.0.0.1:${peer.port}/ws?room=${encodeURIComponent('bad room!')}`);
    const code = await new Promise((resolve) => socket.once('close', resolve));
    expect(code).toBe(1008);
  });
});
