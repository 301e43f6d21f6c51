import type { ClientRequestArgs } from 'node:http';
import { connect } from 'node:net';
import type { Duplex } from 'node:stream';
import type { ServerEventMap, ServerEventName, ServerFrame } from '@roomcast/protocol';
import { decodeServerFrameStrict, encodeClientEvent } from '@roomcast/protocol';
import type { FastifyInstance } from 'fastify';
import { inject } from 'vitest';
import { WebSocket } from 'ws';
import { type BuildAppOptions, buildApp } from '../app.js';

export interface TestServer {
  app: FastifyInstance;
  http: string;
  ws: string;
}

/** A real server on a free loopback port. */
export async function startServer(options: BuildAppOptions = {}): Promise<TestServer> {
  // Tests see a departure at once unless they test the grace itself.
  const config = { PRESENCE_GRACE_MS: 0, ...options.config };
  // The chat page bundled for this run (testing/web-setup.ts): no test depends on a build having run.
  const app = await buildApp({ logger: false, closeGraceMs: 200, webRoot: inject('webRoot'), ...options, config });
  const address = await app.listen({ port: 0, host: '127.0.0.1' });
  return { app, http: address, ws: `${address.replace(/^http/, 'ws')}/ws` };
}

type Frame<K extends ServerEventName> = { event: K; data: ServerEventMap[K] };

export interface ConnectOptions {
  /** Frames (strings as text, Buffers as binary) written in the same TCP write as the upgrade request. */
  early?: (string | Buffer)[];
  /** Answer pings (the default); false plays a peer that has stopped responding. */
  autoPong?: boolean;
}

/**
 * A real `ws` client that records every frame, validated against the protocol, so tests can
 * assert on exactly what arrived, in order, and that nothing else did. A frame that fails the
 * protocol is a failure: every read (`next`, `until`, `sync`, `unread`, `drain`) throws once one
 * has arrived, so "nothing else arrived" checks see invalid frames too.
 */
export class TestClient {
  readonly frames: ServerFrame[] = [];
  readonly invalid: string[] = [];
  closed: { code: number; reason: string } | undefined;
  /** The node (worker) that took the socket: its 101 answer's `x-roomcast-node`. */
  node: string | undefined;
  private nextId = 1;
  private cursor = 0;
  private waiters: (() => void)[] = [];

  private constructor(readonly socket: WebSocket) {
    socket.once('upgrade', (res) => {
      this.node = res.headers['x-roomcast-node'] as string | undefined;
    });
    socket.on('message', (raw, isBinary) => {
      const decoded = decodeServerFrameStrict(raw.toString());
      if (decoded.ok && !isBinary) this.frames.push(decoded.frame);
      else this.invalid.push(raw.toString());
      this.wake();
    });
    socket.on('close', (code, reason) => {
      this.closed = { code, reason: reason.toString() };
      this.wake();
    });
  }

  static async connect(
    url: string,
    query: Record<string, string> = {},
    { early = [], autoPong = true }: ConnectOptions = {},
  ): Promise<TestClient> {
    const qs = new URLSearchParams(query).toString();
    const client = new TestClient(
      new WebSocket(qs ? `${url}?${qs}` : url, {
        autoPong,
        ...(early.length > 0 ? { createConnection: (opts: ClientRequestArgs) => withEarlyFrames(opts, early) } : {}),
      }),
    );
    await new Promise<void>((resolve, reject) => {
      client.socket.once('open', () => resolve());
      client.socket.once('error', reject);
    });
    return client;
  }

  /** Connects and consumes the welcome, which must be the first frame. */
  static async join(url: string, name: string, room = 'lobby'): Promise<TestClient & { id: string }> {
    const client = await TestClient.connect(url, { name, room });
    const welcome = await client.next('welcome');
    return Object.assign(client, { id: welcome.clientId });
  }

  private wake(): void {
    for (const w of this.waiters.splice(0)) w();
  }

  /** Waits until `predicate` holds over received frames, or fails after `timeoutMs`. */
  async until(predicate: () => boolean, what: string, timeoutMs = 5000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    this.assertValid();
    while (!predicate()) {
      const left = deadline - Date.now();
      if (left <= 0)
        throw new Error(`timed out waiting for ${what}; got ${JSON.stringify(this.frames.slice(this.cursor))}`);
      // Woken by frames and closes; the short poll covers conditions on server state.
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, Math.min(left, 25));
        this.waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
      this.assertValid();
    }
  }

  private assertValid(): void {
    if (this.invalid.length > 0) throw new Error(`invalid frame(s) arrived: ${this.invalid.join(' | ')}`);
  }

  /** The next unread frame, which must be `event`. */
  async next<K extends ServerEventName>(event: K): Promise<ServerEventMap[K]> {
    await this.until(() => this.frames.length > this.cursor, `a "${event}" frame`);
    const frame = this.frames[this.cursor++] as Frame<ServerEventName>;
    if (frame.event !== event) throw new Error(`expected "${event}", got ${JSON.stringify(frame)}`);
    return frame.data as ServerEventMap[K];
  }

  /** Frames not yet read by `next`. */
  unread(): ServerFrame[] {
    this.assertValid();
    return this.frames.slice(this.cursor);
  }

  /** Marks every frame so far as read and returns the ones that were not. */
  drain(): ServerFrame[] {
    const unread = this.unread();
    this.cursor = this.frames.length;
    return unread;
  }

  sendRaw(data: string | Buffer, binary = false): void {
    this.socket.send(data, { binary });
  }

  emit<K extends 'join' | 'leave' | 'send' | 'members'>(
    event: K,
    data: Parameters<typeof encodeClientEvent<K>>[1],
    withId = true,
  ): number | undefined {
    const id = withId ? this.nextId++ : undefined;
    this.socket.send(encodeClientEvent(event, data, id));
    return id;
  }

  /**
   * A round trip through the server: anything the server sent this client before handling this
   * request has arrived once it returns. Makes "X did not arrive" a deterministic assertion.
   */
  async sync(): Promise<void> {
    const id = this.emit('leave', { room: 'sync-barrier' }) as number;
    const isReply = (f: ServerFrame) => f.event === 'error' && f.data.id === id;
    await this.until(() => this.frames.some(isReply), 'the sync reply');
    this.frames.splice(this.frames.findIndex(isReply), 1);
  }

  async waitClosed(timeoutMs = 5000): Promise<{ code: number; reason: string }> {
    await this.until(() => this.closed !== undefined, 'the socket to close', timeoutMs);
    return this.closed as { code: number; reason: string };
  }

  /** Closes cleanly, or cuts the socket if the handshake stalls (a test may have paused it). */
  close(): Promise<void> {
    if (this.socket.readyState === WebSocket.CLOSED) return Promise.resolve();
    return new Promise((resolve) => {
      const cut = setTimeout(() => this.socket.terminate(), 500);
      this.socket.once('close', () => {
        clearTimeout(cut);
        resolve();
      });
      this.socket.close();
    });
  }
}

/**
 * A TCP connection whose first write (the HTTP upgrade request) carries `frames` too, masked as
 * a client must, so they reach the server in the same packet as the upgrade.
 */
function withEarlyFrames(opts: ClientRequestArgs, frames: (string | Buffer)[]): Duplex {
  const socket = connect({ host: opts.host ?? '127.0.0.1', port: Number(opts.port) });
  const write = socket.write.bind(socket) as (chunk: Uint8Array, cb?: WriteCallback) => boolean;
  let first = true;
  const patched = (chunk: string | Uint8Array, encoding?: BufferEncoding | WriteCallback, cb?: WriteCallback) => {
    const done = typeof encoding === 'function' ? encoding : cb;
    const bytes =
      typeof chunk === 'string' ? Buffer.from(chunk, typeof encoding === 'string' ? encoding : 'utf8') : chunk;
    if (!first) return write(bytes, done);
    first = false;
    return write(Buffer.concat([bytes, ...frames.map(maskedFrame)]), done);
  };
  socket.write = patched as typeof socket.write;
  return socket;
}
type WriteCallback = (err?: Error | null) => void;

/** One client-to-server frame (RFC 6455 §5.2), masked with a zero key: text for a string, else binary. */
function maskedFrame(data: string | Buffer): Buffer {
  const payload = typeof data === 'string' ? Buffer.from(data) : data;
  const length =
    payload.length < 126
      ? Buffer.from([0x80 | payload.length])
      : Buffer.from([0x80 | 126, payload.length >> 8, payload.length & 0xff]);
  return Buffer.concat([Buffer.from([typeof data === 'string' ? 0x81 : 0x82]), length, Buffer.alloc(4), payload]);
}
