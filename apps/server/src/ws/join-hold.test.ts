import { afterEach, describe, expect, it } from 'vitest';
import type { Member } from '../adapters/adapter.js';
import { startServer, TestClient, type TestServer } from '../testing/harness.js';
import { SlowAdapter } from '../testing/slow-adapter.js';

// A join is answered after the adapter's presence calls; whatever the room broadcasts meanwhile
// must reach the joiner after its answer, without a `user:joined` of someone the answer lists.
let server: TestServer;
const clients: TestClient[] = [];

afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close()));
  await server.app.close();
});

const other = (name: string): Member => ({ id: `u-${name}`, name, clientId: `c-${name}` });

describe('a join in progress holds its room', { timeout: 20_000 }, () => {
  it('answers first, then what the room said meanwhile, minus the arrivals the answer already lists', async () => {
    const adapter = new SlowAdapter(20);
    server = await startServer({ adapter, config: { PRESENCE_GRACE_MS: 0 } });
    const ann = await TestClient.connect(server.ws, { name: 'ann', room: 'x' });
    const bob = await TestClient.join(server.ws, 'bob', 'lobby');
    clients.push(ann, bob);
    const welcome = await ann.next('welcome');
    // Cid is on another node: in the room's presence before bob's join lists it.
    const cid = other('cid');
    await adapter.presence.add('x', cid, 'elsewhere/1');

    adapter.pause();
    const id = bob.emit('join', { room: 'x' }) as number;
    const bobOnServer = [...server.app.hub.connections.values()].find((c) => c.name === 'bob');
    await bob.until(() => bobOnServer?.rooms.has('x') === true, "bob's join to be under way");
    // While bob's join waits on the adapter, the room hears of cid and dan arriving elsewhere, and a message.
    const epoch = welcome.positions?.x?.epoch as string;
    server.app.hub.onPresence('x', 'joined', cid);
    server.app.hub.onPresence('x', 'joined', other('dan'));
    const message = { room: 'x', from: { id: 'u-cid', name: 'cid' }, text: 'meanwhile', sentAt: Date.now(), seq: 1 };
    server.app.hub.onMessage(message, epoch);
    // (ann: bob's own arrival is announced only once his join is done)
    await ann.until(() => ann.unread().length === 3, 'ann to hear it all live');
    expect(bob.unread()).toEqual([]);
    adapter.resume();

    const ack = await bob.next('ack');
    expect(ack.id).toBe(id);
    expect((ack.result as { members: { name: string }[] }).members.map((m) => m.name).sort()).toEqual([
      'ann',
      'bob',
      'cid',
    ]);
    // Dan is not in the answer, so his arrival is news; cid's is not.
    expect(await bob.next('user:joined')).toEqual({ room: 'x', user: { id: 'u-dan', name: 'dan', clientId: 'c-dan' } });
    expect(await bob.next('message')).toEqual(message);
    await bob.sync();
    expect(bob.unread()).toEqual([]);
  });

  it('passes on a departure held during the join even of a member the answer lists', async () => {
    const adapter = new SlowAdapter(20);
    server = await startServer({ adapter, config: { PRESENCE_GRACE_MS: 0 } });
    const ann = await TestClient.join(server.ws, 'ann', 'x');
    const bob = await TestClient.join(server.ws, 'bob', 'lobby');
    clients.push(ann, bob);
    const cid = other('cid');
    await adapter.presence.add('x', cid, 'elsewhere/1');

    adapter.pause();
    bob.emit('join', { room: 'x' });
    const bobOnServer = [...server.app.hub.connections.values()].find((c) => c.name === 'bob');
    await bob.until(() => bobOnServer?.rooms.has('x') === true, "bob's join to be under way");
    // Cid leaves after the answer's list was taken: the list still has him, so only this says he is gone.
    server.app.hub.onPresence('x', 'left', cid);
    adapter.resume();

    const ack = await bob.next('ack');
    expect((ack.result as { members: { name: string }[] }).members.map((m) => m.name).sort()).toEqual([
      'ann',
      'bob',
      'cid',
    ]);
    expect(await bob.next('user:left')).toEqual({ room: 'x', user: { id: 'u-cid', name: 'cid', clientId: 'c-cid' } });
    await bob.sync();
    expect(bob.unread()).toEqual([]);
  });

  it('counts what it holds against MAX_BUFFERED_BYTES: a reader whose join holds too much is cut off with 4001', async () => {
    const limit = 4096;
    const adapter = new SlowAdapter(20);
    server = await startServer({ adapter, config: { PRESENCE_GRACE_MS: 0, MAX_BUFFERED_BYTES: limit } });
    const ann = await TestClient.connect(server.ws, { name: 'ann', room: 'x' });
    const bob = await TestClient.join(server.ws, 'bob', 'lobby');
    clients.push(ann, bob);
    const epoch = (await ann.next('welcome')).positions?.x?.epoch as string;
    const bobOnServer = [...server.app.hub.connections.values()].find((c) => c.name === 'bob');
    if (!bobOnServer) throw new Error('bob is not on the server');

    adapter.pause();
    bob.emit('join', { room: 'x' });
    await bob.until(() => bobOnServer.rooms.has('x'), "bob's join to be under way");
    // Nothing reaches bob's socket while his join waits, so only the held bytes can trip the limit.
    const text = 'z'.repeat(1000);
    const message = (seq: number) => ({ room: 'x', from: { id: 'u-cid', name: 'cid' }, text, sentAt: 0, seq });
    // A 16-bit length: 4 bytes of header.
    const frameBytes = Buffer.byteLength(JSON.stringify({ event: 'message', data: message(1) })) + 4;
    let seq = 0;
    while (bobOnServer.open && seq < 20) {
      seq++;
      server.app.hub.onMessage(message(seq), epoch);
    }
    // Frames are held while the total is within the limit; the one after the first that crosses it closes.
    const held = Math.floor(limit / frameBytes) + 1;
    expect(seq).toBe(held + 1);
    expect(bobOnServer.closedBy).toBe('slow_consumer');
    adapter.resume();
    expect(await bob.waitClosed()).toEqual({
      code: 4001,
      reason: 'The client read too slowly and its send buffer overflowed',
    });
    const metrics = await (await fetch(`${server.http}/metrics`)).text();
    expect(metrics).toMatch(/roomcast_frames_dropped_total\{reason="slow_consumer"\} 1\n/);
    // Ann, reading, heard every message.
    const heard = () => ann.unread().filter((f) => f.event === 'message');
    await ann.until(() => heard().length === seq, 'ann to hear every message');
    expect(heard().map((f) => f.data)).toEqual(Array.from({ length: seq }, (_, i) => message(i + 1)));
  });

  it('stops counting what it held once the join is answered: the limit applies to the socket again', async () => {
    const limit = 4096;
    const adapter = new SlowAdapter(20);
    server = await startServer({ adapter, config: { PRESENCE_GRACE_MS: 0, MAX_BUFFERED_BYTES: limit } });
    const ann = await TestClient.join(server.ws, 'ann', 'x');
    const bob = await TestClient.join(server.ws, 'bob', 'lobby');
    clients.push(ann, bob);
    const bobOnServer = [...server.app.hub.connections.values()].find((c) => c.name === 'bob');
    if (!bobOnServer) throw new Error('bob is not on the server');
    const say = (text: string) =>
      server.app.hub.publish('x', { room: 'x', from: { id: 's', name: 's' }, text, sentAt: 0 }, 'http');

    adapter.pause();
    bob.emit('join', { room: 'x' });
    await bob.until(() => bobOnServer.rooms.has('x'), "bob's join to be under way");
    // Three frames of ~1.1 kB held: under the limit, but more than half of it.
    const text = 'z'.repeat(1000);
    const held = [say(`${text}1`), say(`${text}2`), say(`${text}3`)];
    adapter.resume();
    await Promise.all(held);
    await bob.next('ack');
    for (let i = 1; i <= 3; i++) expect(await bob.next('message')).toMatchObject({ text: `${text}${i}` });
    // Had the held bytes not been let go, the next three would cross the limit.
    for (let i = 4; i <= 6; i++) {
      await say(`${text}${i}`);
      expect(await bob.next('message')).toMatchObject({ text: `${text}${i}` });
    }
    expect(bobOnServer.open).toBe(true);
  });
});
