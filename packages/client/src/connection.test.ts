import type { AddressInfo } from 'node:net';
import { createServer } from 'node:net';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { WebSocket } from 'ws';
import { DEFAULT_RECONNECT, type ReconnectOptions } from './backoff.js';
import { Connection, type ConnectionOptions, type StateChange } from './connection.js';
import { CLIENT_ERRORS, RoomcastError } from './errors.js';
import { rawHarness } from './test-support/raw-server.js';

// The Connection class against scripted `ws` servers: the socket lifecycle seen through its
// hooks, with the URL function under the test's control. Sockets are real `ws` sockets; the
// constructor only records each one it makes.

const { serve } = rawHarness();
const cleanup: (() => void)[] = [];
afterEach(() => {
  for (const fn of cleanup.splice(0)) fn();
});

// Long enough that no reconnect attempt happens unless the test calls start().
const LONG: ReconnectOptions = {
  ...DEFAULT_RECONNECT,
  initialDelayMs: 1_000_000,
  maxDelayMs: 10_000_000,
  factor: 2,
  jitter: 0,
};

function deferred<T>() {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/** A state change with its error as [code, message], so toStrictEqual can compare it. */
function plain(change: StateChange) {
  const { error, ...rest } = change;
  return error ? { ...rest, error: [error.code, error.message] } : rest;
}

/** A Connection with every hook recorded, and the sockets it made. */
function connection(options: Partial<ConnectionOptions> & Pick<ConnectionOptions, 'url'>) {
  const made: WebSocket[] = [];
  class Recorded extends WebSocket {
    constructor(url: string) {
      super(url);
      made.push(this);
    }
  }
  const states: StateChange[] = [];
  const frames: unknown[] = [];
  const drops: [number, string][] = [];
  const conn = new Connection(
    { WebSocket: Recorded, reconnect: LONG, connectTimeoutMs: 60_000, random: () => 0.5, ...options },
    {
      frame: (data) => frames.push(data),
      dropped: (code, reason) => drops.push([code, reason]),
      state: (change) => states.push(change),
    },
  );
  cleanup.push(() => conn.close());
  return { conn, made, states, frames, drops, plain: () => states.map(plain) };
}

/** A URL function whose answers the test gives, one call at a time. */
function heldUrl() {
  const calls: ReturnType<typeof deferred<string>>[] = [];
  const url = () => {
    const call = deferred<string>();
    calls.push(call);
    return call.promise;
  };
  return { url, calls };
}

/** A server that says "hello" on every connection and records its sockets and their closes. */
async function helloServer() {
  const sockets: import('ws').WebSocket[] = [];
  const closes: [number, string][] = [];
  const server = await serve((socket) => {
    sockets.push(socket);
    socket.on('close', (code, reason) => closes.push([code, reason.toString()]));
    socket.send('hello');
  });
  return { server, sockets, closes };
}

/** The one socket made so far, once it is open (by its event, not by polling). */
async function opened(made: WebSocket[]): Promise<WebSocket> {
  // The attempt makes its socket after awaiting url(): a few microtasks, no I/O.
  for (let tick = 0; tick < 10 && made.length === 0; tick++) await Promise.resolve();
  expect(made).toHaveLength(1);
  const socket = made[0] as WebSocket;
  if (socket.readyState !== WebSocket.OPEN) await new Promise((resolve) => socket.once('open', resolve));
  return socket;
}

describe('start()', () => {
  it('opens no second socket while one is being opened or is open', async () => {
    const { server, sockets } = await helloServer();
    let urlCalls = 0;
    const c = connection({
      url: () => {
        urlCalls++;
        return server.url;
      },
    });
    c.conn.start();
    // The URL is asked for synchronously by an attempt: a second attempt would show here.
    c.conn.start();
    expect(urlCalls).toBe(1);
    await expect.poll(() => c.frames).toEqual(['hello']);
    c.conn.start();
    expect(urlCalls).toBe(1);
    expect(c.made).toHaveLength(1);
    expect(sockets).toHaveLength(1);
    expect(c.states).toEqual([]);
  });

  it('opens one socket for two start() calls made while url() is still pending', async () => {
    const { server, sockets } = await helloServer();
    const held = heldUrl();
    const c = connection({ url: held.url });
    c.conn.start();
    c.conn.start();
    expect(held.calls).toHaveLength(1);
    held.calls[0]?.resolve(server.url);
    await expect.poll(() => c.frames).toEqual(['hello']);
    expect(held.calls).toHaveLength(1);
    expect(c.made).toHaveLength(1);
    expect(sockets).toHaveLength(1);
  });

  it('emits `connecting` once when started after closed, and starts the backoff over; not otherwise', async () => {
    const { server, sockets } = await helloServer();
    const c = connection({ url: () => server.url });
    c.conn.start();
    // The first start: the state already is `connecting`, nothing to announce.
    expect(c.states).toEqual([]);
    await expect.poll(() => c.frames).toHaveLength(1);
    c.conn.ready();
    c.conn.ready();
    expect(c.plain()).toStrictEqual([{ state: 'open', previous: 'connecting' }]);

    sockets[0]?.terminate();
    await expect.poll(() => c.states).toHaveLength(2);
    // Skipping the wait before attempt 1: no state change, the attempt count goes on.
    c.conn.start();
    expect(c.states).toHaveLength(2);
    await expect.poll(() => c.frames).toHaveLength(2);
    sockets[1]?.terminate();
    await expect.poll(() => c.states).toHaveLength(3);

    c.conn.close();
    c.conn.start();
    await expect.poll(() => c.frames).toHaveLength(3);
    sockets[2]?.terminate();
    await expect.poll(() => c.states).toHaveLength(6);
    expect(c.plain()).toStrictEqual([
      { state: 'open', previous: 'connecting' },
      { state: 'reconnecting', previous: 'open', attempt: 1, delayMs: 1_000_000, code: 1006, reason: '' },
      { state: 'reconnecting', previous: 'reconnecting', attempt: 2, delayMs: 2_000_000, code: 1006, reason: '' },
      {
        state: 'closed',
        previous: 'reconnecting',
        code: 1000,
        reason: 'Closed by the client',
        error: ['closed', 'Closed by the client'],
      },
      { state: 'connecting', previous: 'closed' },
      // Attempt 1 again: start() after closed started the backoff over.
      { state: 'reconnecting', previous: 'connecting', attempt: 1, delayMs: 1_000_000, code: 1006, reason: '' },
    ]);
    expect(c.made).toHaveLength(3);
  });
});

describe('send()', () => {
  it('is false with no socket and with a socket not yet open, true once open', async () => {
    // Accepts the TCP connection and never answers the upgrade: the socket stays CONNECTING.
    const silent = createServer();
    const accepted = new Promise<void>((resolve) => silent.once('connection', () => resolve()));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = silent.address() as AddressInfo;
      const pending = connection({ url: () => `ws://127.0.0.1:${port}/ws` });
      expect(pending.conn.send('x')).toBe(false);
      pending.conn.start();
      await accepted;
      expect(pending.made.map((s) => s.readyState)).toEqual([WebSocket.CONNECTING]);
      expect(pending.conn.send('x')).toBe(false);
      pending.conn.close();
    } finally {
      await new Promise((resolve) => silent.close(resolve));
    }

    const { server } = await helloServer();
    const c = connection({ url: () => server.url });
    c.conn.start();
    await expect.poll(() => c.frames).toEqual(['hello']);
    expect(c.conn.send('hi')).toBe(true);
    await server.receivedCount(1);
    expect(server.received).toEqual(['hi']);
  });
});

describe('close()', () => {
  it('while url() is pending: the late URL opens no socket', async () => {
    const { server } = await helloServer();
    const held = heldUrl();
    const c = connection({ url: held.url });
    c.conn.start();
    c.conn.close();
    held.calls[0]?.resolve(server.url);
    // The attempt resumes on this promise before the test does.
    await held.calls[0]?.promise;
    expect(c.made).toEqual([]);
    expect(c.plain()).toStrictEqual([
      {
        state: 'closed',
        previous: 'connecting',
        code: 1000,
        reason: 'Closed by the client',
        error: ['closed', 'Closed by the client'],
      },
    ]);
    // Nothing is left half open: start() makes a new attempt.
    c.conn.start();
    expect(held.calls).toHaveLength(2);
  });

  it('while url() is pending, then start() at once: connects with the new attempt only', async () => {
    const { server, sockets } = await helloServer();
    const held = heldUrl();
    const c = connection({ url: held.url });
    c.conn.start();
    c.conn.close();
    c.conn.start();
    expect(held.calls).toHaveLength(2);
    held.calls[0]?.resolve(server.url);
    await held.calls[0]?.promise;
    expect(c.made).toEqual([]);
    held.calls[1]?.resolve(server.url);
    await expect.poll(() => c.frames).toEqual(['hello']);
    expect(c.made).toHaveLength(1);
    expect(sockets).toHaveLength(1);
    expect(c.states.map((s) => s.state)).toEqual(['closed', 'connecting']);
  });

  it('closes the socket with 1000 and its default reason, once; a second close() changes nothing', async () => {
    const { server, closes } = await helloServer();
    const c = connection({ url: () => server.url });
    c.conn.start();
    await expect.poll(() => c.frames).toEqual(['hello']);
    c.conn.ready();
    c.conn.close();
    c.conn.close();
    await expect.poll(() => closes).toEqual([[1000, 'Closed by the client']]);
    expect(c.plain()).toStrictEqual([
      { state: 'open', previous: 'connecting' },
      {
        state: 'closed',
        previous: 'open',
        code: 1000,
        reason: 'Closed by the client',
        error: ['closed', 'Closed by the client'],
      },
    ]);
    expect(c.drops).toEqual([[1000, 'Closed by the client']]);
  });

  it('passes no frame of the closed socket on, even one that arrives during the close handshake', async () => {
    const sockets: import('ws').WebSocket[] = [];
    const server = await serve((socket) => {
      sockets.push(socket);
      socket.send('hello');
      // Written before the server reads the client's close frame, which follows 'bye'.
      socket.on('message', () => socket.send('late'));
    });
    const c = connection({ url: () => server.url });
    c.conn.start();
    await expect.poll(() => c.frames).toEqual(['hello']);
    const socket = c.made[0];
    const arrived: string[] = [];
    socket?.on('message', (data) => arrived.push(data.toString()));
    const closed = new Promise((resolve) => socket?.once('close', resolve));
    expect(c.conn.send('bye')).toBe(true);
    c.conn.close();
    await closed;
    // The frame did reach the socket; it went no further.
    expect(arrived).toEqual(['late']);
    expect(c.frames).toEqual(['hello']);
    expect(c.drops).toEqual([[1000, 'Closed by the client']]);
    expect(c.states.map((s) => s.state)).toEqual(['closed']);
  });
});

describe('attempts that cannot start', () => {
  it('url() rejecting with a RoomcastError closes with exactly that error, and start() tries again', async () => {
    const error = new RoomcastError('closed', 'The token function failed: expired');
    let urlCalls = 0;
    const c = connection({
      url: () => {
        urlCalls++;
        return Promise.reject(error);
      },
    });
    c.conn.start();
    await expect.poll(() => c.states).toHaveLength(1);
    expect(c.states).toStrictEqual([{ state: 'closed', previous: 'connecting', error }]);
    expect(c.states[0]?.error).toBe(error);
    c.conn.start();
    expect(urlCalls).toBe(2);
    await expect.poll(() => c.states).toHaveLength(3);
    expect(c.states.map((s) => s.state)).toEqual(['closed', 'connecting', 'closed']);
    expect(c.made).toEqual([]);
  });

  it('url() rejecting with anything else closes with no_websocket', async () => {
    const c = connection({ url: () => Promise.reject(new Error('boom')) });
    c.conn.start();
    await expect.poll(() => c.states).toHaveLength(1);
    expect(c.plain()).toStrictEqual([
      { state: 'closed', previous: 'connecting', error: ['no_websocket', CLIENT_ERRORS.no_websocket.meaning] },
    ]);
  });

  it('url() rejecting after close() emits nothing more', async () => {
    const held = heldUrl();
    const c = connection({ url: held.url });
    c.conn.start();
    c.conn.close();
    held.calls[0]?.reject(new RoomcastError('closed', 'late failure'));
    // The attempt resumes on this promise before the test does.
    await held.calls[0]?.promise.catch(() => undefined);
    expect(c.plain()).toStrictEqual([
      {
        state: 'closed',
        previous: 'connecting',
        code: 1000,
        reason: 'Closed by the client',
        error: ['closed', 'Closed by the client'],
      },
    ]);
  });

  it('a URL the WebSocket constructor refuses closes for good, naming why', async () => {
    const c = connection({ url: () => 'not a url' });
    c.conn.start();
    await expect.poll(() => c.states).toHaveLength(1);
    expect(c.plain()).toStrictEqual([
      { state: 'closed', previous: 'connecting', error: ['closed', 'Cannot open a WebSocket: Invalid URL: not a url'] },
    ]);
    expect(c.made).toEqual([]);
  });
});

describe('how a socket ends', () => {
  // Fake timers make the deadline fire only once the socket is open, whatever the machine's load:
  // a deadline that fired during the upgrade would abort a handshake the server never completed.
  it('closes an attempt that gets no welcome within connectTimeoutMs: the server sees it close', async () => {
    const closes: number[] = [];
    let serverClosed!: () => void;
    const closedOnServer = new Promise<void>((resolve) => {
      serverClosed = resolve;
    });
    const server = await serve((socket) => {
      socket.on('close', (code) => {
        closes.push(code);
        serverClosed();
      });
    });
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const c = connection({ url: () => server.url, connectTimeoutMs: 100 });
    c.conn.start();
    await opened(c.made);
    await vi.advanceTimersByTimeAsync(99);
    expect(c.states).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    expect(c.plain()).toStrictEqual([
      {
        state: 'reconnecting',
        previous: 'connecting',
        attempt: 1,
        delayMs: 1_000_000,
        code: 1006,
        reason: 'No welcome within 100 ms',
      },
    ]);
    expect(c.drops).toEqual([[1006, 'No welcome within 100 ms']]);
    await closedOnServer;
    // close() without a code: the server reads 1005, no status.
    expect(closes).toEqual([1005]);
  });

  it('passes no frame of an attempt it gave up at connectTimeoutMs on, even one that arrives during its close', async () => {
    const sockets: import('ws').WebSocket[] = [];
    const server = await serve((socket) => {
      sockets.push(socket);
      // Reads nothing until told: the client's close frame waits, unread, behind what we send.
      socket.pause();
    });
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const c = connection({ url: () => server.url, connectTimeoutMs: 100 });
    c.conn.start();
    const socket = await opened(c.made);
    const arrived: string[] = [];
    socket.on('message', (data) => arrived.push(data.toString()));
    const closed = new Promise((resolve) => socket.once('close', resolve));
    await vi.advanceTimersByTimeAsync(100);
    expect(c.states.map((s) => s.state)).toEqual(['reconnecting']);
    expect(sockets).toHaveLength(1);
    sockets[0]?.send('late');
    sockets[0]?.resume();
    await closed;
    // The frame did reach the socket; it went no further.
    expect(arrived).toEqual(['late']);
    expect(c.frames).toEqual([]);
    expect(c.drops).toEqual([[1006, 'No welcome within 100 ms']]);
    expect(c.states).toHaveLength(1);
  });

  it('a final close from the server names its code and reason, and only the code when the reason is empty', async () => {
    const server = await serve((socket) => {
      socket.send('hello');
      socket.on('message', (raw) => socket.close(1000, raw.toString()));
    });
    for (const reason of ['bye now', '']) {
      const c = connection({ url: () => server.url });
      c.conn.start();
      await expect.poll(() => c.frames).toEqual(['hello']);
      c.conn.ready();
      c.conn.send(reason);
      await expect.poll(() => c.states).toHaveLength(2);
      const detail = reason ? `1000 ${reason}` : '1000';
      expect(c.plain()).toStrictEqual([
        { state: 'open', previous: 'connecting' },
        {
          state: 'closed',
          previous: 'open',
          code: 1000,
          reason,
          error: ['closed', `The server closed the connection (${detail})`],
        },
      ]);
    }
  });
});
