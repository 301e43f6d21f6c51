import { type ClientOptions, createClient, type RoomcastClient } from '@roomcast/client';
import { next } from '@roomcast/client/testing';
import type { Message } from '@roomcast/protocol';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { TestClient } from '../testing/harness.js';
import { memberNames, startServer, type TestServer } from './server.js';
import { Wire } from './wire.js';

let server: TestServer;
let wire: Wire;
const cleanup: (() => unknown)[] = [];

beforeEach(async () => {
  server = await startServer();
  wire = await Wire.create(server.url);
});

afterEach(async () => {
  for (const fn of cleanup.splice(0).reverse()) await fn();
  await wire.close();
  await server.app.close();
});

/** A client whose network the test controls through `wire`. */
function onWire(options: Partial<ClientOptions> = {}): RoomcastClient {
  const c = createClient({
    url: server.url,
    WebSocket: wire.WebSocket,
    reconnect: { initialDelayMs: 20, maxDelayMs: 100, jitter: 0 },
    ...options,
  });
  cleanup.push(() => c.close());
  return c;
}

/** A client on a plain socket, untouched by the wire. */
function direct(options: Partial<ClientOptions> = {}): RoomcastClient {
  const c = createClient({ url: server.url, WebSocket, ...options });
  cleanup.push(() => c.close());
  return c;
}

async function raw(name: string, room: string): Promise<TestClient> {
  const c = await TestClient.join(server.url, name, room);
  cleanup.push(() => c.close());
  return c;
}

function messagesOf(c: TestClient): Message[] {
  return c.frames.flatMap((f) => (f.event === 'message' ? [f.data] : []));
}

/** What the application was given, in order: each message's seq, as `message` or `duplicate`. */
function delivered(c: RoomcastClient): [string, number][] {
  const seen: [string, number][] = [];
  c.on('message', (m) => seen.push(['message', m.seq]));
  c.on('duplicate', (m) => seen.push(['duplicate', m.seq]));
  return seen;
}

/** Cuts the line once, at the first frame `match` accepts. */
function cutOnce(match: (frame: { event: string; id?: number; data: Record<string, unknown> }) => boolean) {
  let done = false;
  return (frame: Parameters<typeof match>[0]) => {
    if (done || !match(frame)) return 'pass' as const;
    done = true;
    return 'cut' as const;
  };
}

describe('calls queued while offline, against the real server', () => {
  it('go out after the rooms are rejoined, so a send to a rejoined room succeeds', async () => {
    const ada = onWire({ name: 'ada', room: 'r1' });
    await ada.ready();
    await ada.join('r2');

    // The server restarts: the new one knows nothing of ada's session, so nothing is resumed.
    wire.target = undefined;
    const reconnecting = next(ada, 'state', (s) => s.state === 'reconnecting');
    wire.cutAll();
    await reconnecting;
    const queued = ada.send('r2', 'sent while offline');
    const restarted = await startServer();
    cleanup.push(() => restarted.app.close());
    const bob = direct({ url: restarted.url, name: 'bob', room: 'r2' });
    await bob.ready();
    const seen = next(bob, 'message');
    wire.target = restarted.url;
    ada.connect();

    expect(await queued).toEqual({ room: 'r2', seq: 1 });
    expect(await seen).toMatchObject({ room: 'r2', seq: 1, text: 'sent while offline', from: { name: 'ada' } });
    // r1 came back with the welcome; r2 had to be rejoined, and that went first.
    const afterRestart = wire.written.at(-1) ?? [];
    expect(afterRestart.map((f) => [f.event, f.data.room])).toEqual([
      ['join', 'r2'],
      ['send', 'r2'],
    ]);
    expect(await memberNames(restarted, 'r2')).toEqual(['ada', 'bob']);
  });
});

describe('calls in flight when the connection drops, against the real server', () => {
  it('a send cut before it reached the server is sent again and delivered once', async () => {
    const ada = onWire({ name: 'ada' });
    await ada.ready();
    const bob = await raw('bob', 'lobby');
    wire.outbound = cutOnce((f) => f.event === 'send');

    expect(await ada.send('lobby', 'hello')).toEqual({ room: 'lobby', seq: 1 });
    expect(wire.written).toHaveLength(2);
    const resent = wire.written[1]?.find((f) => f.event === 'send');
    await bob.sync();
    const got = messagesOf(bob);
    expect(got).toHaveLength(1);
    expect(got[0]).toMatchObject({ seq: 1, text: 'hello', clientMsgId: resent?.data.clientMsgId });
    expect(bob.invalid).toEqual([]);
  });

  it('a send whose ack was lost is sent again; the server delivers it twice, the SDK once', async () => {
    const ada = onWire({ name: 'ada' });
    await ada.ready();
    const carol = direct({ name: 'carol' });
    await carol.ready();
    const bob = await raw('bob', 'lobby');
    let sendId: number | undefined;
    wire.outbound = (f) => {
      if (f.event === 'send') sendId = f.id;
      return 'pass';
    };
    wire.inbound = cutOnce((f) => f.event === 'ack' && f.data.id === sendId);
    const adaSees = delivered(ada);
    const carolSees = delivered(carol);

    // Resolved once, by the ack to the copy that was re-sent.
    expect(await ada.send('lobby', 'only once')).toEqual({ room: 'lobby', seq: 2 });
    const frames = wire.written.flat().filter((f) => f.event === 'send');
    expect(frames).toHaveLength(2);
    expect(frames[1]).toEqual(frames[0]);
    const clientMsgId = frames[0]?.data.clientMsgId;
    expect(typeof clientMsgId).toBe('string');

    // The server does not deduplicate yet: a plain socket sees both copies...
    await bob.sync();
    const copies = messagesOf(bob);
    expect(copies.map((m) => [m.seq, m.text, m.from.name, m.clientMsgId])).toEqual([
      [1, 'only once', 'ada', clientMsgId],
      [2, 'only once', 'ada', clientMsgId],
    ]);
    expect(bob.invalid).toEqual([]);

    // ...and the SDK gives the application the first, the copy only as `duplicate`.
    await expect.poll(() => carolSees.length).toBe(2);
    expect(carolSees).toEqual([
      ['message', 1],
      ['duplicate', 2],
    ]);
    expect(adaSees).toEqual([
      ['message', 1],
      ['duplicate', 2],
    ]);
  });

  it('a join whose ack was lost is sent again and resolves with the room', async () => {
    const ada = onWire({ name: 'ada' });
    await ada.ready();
    wire.inbound = cutOnce((f) => f.event === 'ack' && (f.data.result as { members?: unknown }).members !== undefined);

    const joined = await ada.join('r2');
    expect(joined.room).toBe('r2');
    expect(joined.members.map((m) => m.name)).toEqual(['ada']);
    expect(ada.rooms().sort()).toEqual(['lobby', 'r2']);
    expect(ada.members('r2').map((m) => m.name)).toEqual(['ada']);
    expect(await memberNames(server, 'r2')).toEqual(['ada']);
    // The resumed session was already in r2 (the first join got through): the join is simply re-sent.
    expect(wire.written.map((socket) => socket.map((f) => f.event))).toEqual([['join'], ['join']]);
  });

  it('a leave whose ack was lost is sent again after the room is rejoined, and resolves', async () => {
    const ada = onWire({ name: 'ada' });
    await ada.ready();
    await ada.join('r2');
    wire.inbound = cutOnce(
      (f) => f.event === 'ack' && f.data.id !== undefined && !('members' in (f.data.result as object)),
    );

    expect(await ada.leave('r2')).toEqual({ room: 'r2' });
    expect(ada.rooms()).toEqual(['lobby']);
    expect(await memberNames(server, 'r2')).toEqual([]);
    expect(wire.written.at(-1)?.map((f) => [f.event, f.data.room])).toEqual([
      ['join', 'r2'],
      ['leave', 'r2'],
    ]);
  });
});
