import { type ClientOptions, createClient, type RoomcastClient } from '@roomcast/client';
import { next, record } from '@roomcast/client/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { TcpRelay } from '../testing/tcp-relay.js';
import { memberNames, startServer, type TestServer } from './server.js';

const servers: TestServer[] = [];
const clients: RoomcastClient[] = [];
const relays: TcpRelay[] = [];

afterEach(async () => {
  for (const client of clients.splice(0)) client.close();
  for (const server of servers.splice(0)) await server.app.close();
  for (const relay of relays.splice(0)) await relay.close();
});

async function server(): Promise<TestServer> {
  const s = await startServer();
  servers.push(s);
  return s;
}

/** A server behind a relay that keeps its port across restarts (see TcpRelay). */
async function restartable(): Promise<{ relay: TcpRelay; s: TestServer }> {
  const relay = await TcpRelay.start();
  relays.push(relay);
  const s = await server();
  relay.point(s.port);
  return { relay, s };
}

/** Stops the server behind the relay; the relay refuses connections until `restart`. */
async function down(relay: TcpRelay, s: TestServer): Promise<void> {
  relay.point(undefined);
  await stop(s);
}

async function restart(relay: TcpRelay): Promise<TestServer> {
  const s = await server();
  relay.point(s.port);
  return s;
}

async function stop(s: TestServer): Promise<void> {
  servers.splice(servers.indexOf(s), 1);
  await s.app.close();
}

function client(url: string, options: Partial<ClientOptions> = {}): RoomcastClient {
  // Short, jitter-free delays keep the tests quick; the policy itself is the default one.
  const c = createClient({ url, WebSocket, reconnect: { initialDelayMs: 20, maxDelayMs: 100, jitter: 0 }, ...options });
  clients.push(c);
  return c;
}

describe('reconnect', () => {
  it('comes back after the server drops the connection, with its rooms and name', async () => {
    const s = await server();
    const ada = client(s.url, { name: 'ada', room: 'r1' });
    await ada.ready();
    await ada.join('r2');
    const states = record(ada, 'state');
    const first = ada.welcome?.clientId;

    for (const conn of s.app.hub.connections.values()) conn.socket.terminate();
    const welcome = await next(ada, 'welcome');
    // It resumed: the same connection identity, its rooms restored by the server.
    expect(welcome).toMatchObject({ clientId: first, resumed: true });
    expect(welcome.name).toBe('ada');
    await expect.poll(() => memberNames(s, 'r2')).toEqual(['ada']);
    expect(await memberNames(s, 'r1')).toEqual(['ada']);
    expect(ada.rooms().sort()).toEqual(['r1', 'r2']);
    expect(states.map((c) => c.state)).toEqual(['reconnecting', 'open']);
    expect(states[0]).toMatchObject({ previous: 'open', attempt: 1, code: 1006 });

    // And it works: a message from someone else in a rejoined room reaches it.
    const bob = client(s.url, { name: 'bob', room: 'r2' });
    await bob.ready();
    const got = next(ada, 'message');
    await bob.send('r2', 'welcome back');
    expect((await got).text).toBe('welcome back');
    // Presence comes as a diff, up to PRESENCE_DIFF_MS after the join.
    await expect
      .poll(() =>
        ada
          .members('r2')
          .map((m) => m.name)
          .sort(),
      )
      .toEqual(['ada', 'bob']);
  });

  it('reconnects when the server restarts (1001) and sends the calls queued meanwhile', async () => {
    const { relay, s } = await restartable();
    const ada = client(relay.url, { name: 'ada', room: 'r1' });
    await ada.ready();
    const reconnecting = next(ada, 'state', (c) => c.state === 'reconnecting');
    await down(relay, s);
    expect((await reconnecting).code).toBe(1001);

    const queued = ada.send('r1', 'sent while offline');
    const restarted = await restart(relay);
    const seen = next(ada, 'message');
    const ack = await queued;
    expect(ack).toEqual({ room: 'r1', seq: 1 });
    expect((await seen).text).toBe('sent while offline');
    expect(await memberNames(restarted, 'r1')).toEqual(['ada']);
  });

  it('fails fast while offline when told to, and bounds the queue otherwise', async () => {
    const { relay, s } = await restartable();
    const fast = client(relay.url, { offline: 'fail' });
    const queued = client(relay.url, { maxQueued: 2, timeoutMs: 60_000 });
    await Promise.all([fast.ready(), queued.ready()]);
    await down(relay, s);
    await expect.poll(() => fast.state).toBe('reconnecting');
    await expect.poll(() => queued.state).toBe('reconnecting');

    await expect(fast.send('lobby', 'hi')).rejects.toMatchObject({ code: 'offline' });
    const waiting = [queued.send('lobby', 'one'), queued.send('lobby', 'two')];
    await expect(queued.send('lobby', 'three')).rejects.toMatchObject({ code: 'queue_full' });
    await restart(relay);
    const acks = await Promise.all(waiting);
    expect(acks.map((a) => a.seq)).toEqual([1, 2]);
  });

  it('gives up after the configured attempts when the server is gone for good', async () => {
    const { relay, s } = await restartable();
    const ada = client(relay.url, {
      room: 'r1',
      timeoutMs: 60_000,
      reconnect: { initialDelayMs: 10, maxDelayMs: 40, jitter: 0, maxAttempts: 3 },
    });
    await ada.ready();
    const states = record(ada, 'state');
    const closed = next(ada, 'state', (c) => c.state === 'closed');
    await down(relay, s);
    const pending = ada.send('r1', 'nobody hears this');
    const ready = ada.ready();

    const final = await closed;
    expect(final.error?.code).toBe('closed');
    expect(final.error?.message).toContain('Gave up after 3');
    expect(states.map((c) => [c.state, c.attempt, c.delayMs])).toEqual([
      ['reconnecting', 1, 10],
      ['reconnecting', 2, 20],
      ['reconnecting', 3, 40],
      ['closed', undefined, undefined],
    ]);
    await expect(pending).rejects.toMatchObject({ code: 'closed' });
    await expect(ready).rejects.toMatchObject({ code: 'closed' });
    await expect(ada.join('later')).rejects.toMatchObject({ code: 'closed' });
    expect(ada.rooms()).toEqual(['r1']);

    // connect() starts over once the server is back, rooms included.
    const back = await restart(relay);
    ada.connect();
    await ada.ready();
    expect(await memberNames(back, 'r1')).toHaveLength(1);
  });

  it('does not reconnect after a close code that forbids it', async () => {
    const s = await server();
    const ada = client(s.url);
    await ada.ready();
    const closed = next(ada, 'state', (c) => c.state === 'closed');
    for (const conn of s.app.hub.connections.values()) conn.close('policy_violation', 'go away');
    const change = await closed;
    expect(change).toMatchObject({ previous: 'open', code: 1008, reason: 'go away' });
    // Closed is final: no reconnect is pending, calls are refused at once.
    expect(ada.state).toBe('closed');
    await expect(ada.send('lobby', 'anyone?')).rejects.toMatchObject({ code: 'closed' });
    await expect.poll(() => s.app.hub.connections.size).toBe(0);
  });

  it('leaves a room the server put it in unasked after a reconnect', async () => {
    const s = await server();
    const ada = client(s.url, { name: 'ada' });
    await ada.ready();
    await ada.leave('lobby');
    expect(ada.rooms()).toEqual([]);
    for (const conn of s.app.hub.connections.values()) conn.socket.terminate();
    await next(ada, 'welcome');
    await expect.poll(() => memberNames(s, 'lobby')).toEqual([]);
    expect(ada.rooms()).toEqual([]);
  });
});
