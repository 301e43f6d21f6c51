import { randomBytes } from 'node:crypto';
import { connect, type Socket } from 'node:net';
import { constants, createInflateRaw } from 'node:zlib';
import { decodeServerFrameStrict } from '@roomcast/protocol';
import { afterEach, describe, expect, it } from 'vitest';
import ws from 'ws';
import { startServer, type TestServer } from '../testing/harness.js';

// ws's own framer: what `socket.send` writes for a text payload without compression.
const { Sender } = ws as unknown as {
  Sender: {
    frame(data: Buffer, o: { fin: boolean; opcode: number; mask: boolean; readOnly: boolean; rsv1: boolean }): Buffer[];
  };
};
const wsFrame = (payload: Buffer): Buffer =>
  Buffer.concat(Sender.frame(payload, { fin: true, opcode: 1, mask: false, readOnly: false, rsv1: false }));

interface RawFrame {
  /** The frame's bytes as they came off the wire, header included. */
  wire: Buffer;
  first: number;
  masked: boolean;
  payload: Buffer;
}

/** A WebSocket client on a bare TCP socket, so the test sees every frame's bytes as the server wrote them. */
class RawClient {
  readonly frames: RawFrame[] = [];
  private buf = Buffer.alloc(0);
  private waiter: (() => void) | undefined;

  private constructor(readonly socket: Socket) {}

  static async open(http: string, path: string, extensions?: string): Promise<RawClient> {
    const { hostname, port } = new URL(http);
    const client = new RawClient(connect(Number(port), hostname));
    const head = [
      `GET ${path} HTTP/1.1`,
      `Host: ${hostname}:${port}`,
      'Upgrade: websocket',
      'Connection: Upgrade',
      `Sec-WebSocket-Key: ${randomBytes(16).toString('base64')}`,
      'Sec-WebSocket-Version: 13',
      ...(extensions ? [`Sec-WebSocket-Extensions: ${extensions}`] : []),
    ];
    client.socket.write(`${head.join('\r\n')}\r\n\r\n`);
    let upgraded = false;
    client.socket.on('data', (chunk: Buffer) => {
      client.buf = Buffer.concat([client.buf, chunk]);
      if (!upgraded) {
        const end = client.buf.indexOf('\r\n\r\n');
        if (end < 0) return;
        client.response = client.buf.subarray(0, end).toString('latin1');
        client.buf = client.buf.subarray(end + 4);
        upgraded = true;
      }
      client.parse();
    });
    await client.until(() => upgraded);
    return client;
  }

  response = '';

  private parse(): void {
    for (;;) {
      if (this.buf.length < 2) return;
      const first = this.buf[0] as number;
      const second = this.buf[1] as number;
      let len = second & 0x7f;
      let offset = 2;
      if (len === 126) {
        if (this.buf.length < 4) return;
        len = this.buf.readUInt16BE(2);
        offset = 4;
      } else if (len === 127) {
        if (this.buf.length < 10) return;
        len = Number(this.buf.readBigUInt64BE(2));
        offset = 10;
      }
      if (this.buf.length < offset + len) return;
      const wire = Buffer.from(this.buf.subarray(0, offset + len));
      this.frames.push({ wire, first, masked: (second & 0x80) !== 0, payload: wire.subarray(offset) });
      this.buf = this.buf.subarray(offset + len);
      this.waiter?.();
    }
  }

  async until(done: () => boolean): Promise<void> {
    while (!done()) await new Promise<void>((resolve) => (this.waiter = resolve));
  }
}

/** Inflates one socket's permessage-deflate messages in order (the server keeps its context between them). */
function inflater() {
  const inflate = createInflateRaw();
  return async (payload: Buffer): Promise<Buffer> => {
    const out: Buffer[] = [];
    const onData = (b: Buffer) => out.push(b);
    inflate.on('data', onData);
    inflate.write(Buffer.concat([payload, Buffer.from([0x00, 0x00, 0xff, 0xff])]));
    await new Promise<void>((resolve) => inflate.flush(constants.Z_SYNC_FLUSH, () => resolve()));
    inflate.off('data', onData);
    return Buffer.concat(out);
  };
}

const eventOf = (payload: Buffer) => {
  const decoded = decodeServerFrameStrict(payload.toString());
  if (!decoded.ok) throw new Error(`invalid frame: ${payload.toString()}`);
  return decoded.frame;
};

let server: TestServer | undefined;
afterEach(async () => {
  await server?.app.close();
  server = undefined;
});

describe('one frame per broadcast', () => {
  it('writes the shared frame to plain sockets and lets ws frame (compress) its own for permessage-deflate sockets', async () => {
    server = await startServer({ config: { PER_MESSAGE_DEFLATE: true } });
    const plain = await RawClient.open(server.http, '/ws?name=plain&room=r');
    const deflate = await RawClient.open(server.http, '/ws?name=deflate&room=r', 'permessage-deflate');
    expect(plain.response).not.toMatch(/sec-websocket-extensions/i);
    expect(deflate.response).toMatch(/sec-websocket-extensions: permessage-deflate/i);
    // plain: its welcome and deflate's user:joined; deflate: its welcome.
    await plain.until(() => plain.frames.length === 2);
    await deflate.until(() => deflate.frames.length === 1);

    // A short text (7-bit length) and a long one (16-bit length), published over HTTP.
    const texts = ['hi', 'x'.repeat(300)];
    for (const text of texts) {
      const res = await fetch(`${server.http}/rooms/r/messages`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ text }),
      });
      expect(res.status).toBe(200);
    }
    await plain.until(() => plain.frames.length === 4);
    await deflate.until(() => deflate.frames.length === 3);

    const plainMessages = plain.frames.slice(2);
    for (const frame of plainMessages) {
      // FIN + text, no RSV1, unmasked, and byte for byte what ws's `send` frames.
      expect(frame.first).toBe(0x81);
      expect(frame.masked).toBe(false);
      expect(frame.wire.equals(wsFrame(frame.payload))).toBe(true);
    }
    expect(plainMessages.map((f) => eventOf(f.payload)).map((f) => (f.data as { text: string }).text)).toEqual(texts);

    const inflate = inflater();
    const deflated: Buffer[] = [];
    for (const frame of deflate.frames) {
      // Every frame to this socket went through ws's send: compressed (RSV1) with its own context.
      expect(frame.first).toBe(0xc1);
      expect(frame.masked).toBe(false);
      deflated.push(await inflate(frame.payload));
    }
    expect(eventOf(deflated[0] as Buffer).event).toBe('welcome');
    // The same broadcast, byte for byte, through both paths.
    expect(deflated.slice(1)).toEqual(plainMessages.map((f) => f.payload));

    // Broadcasts that reached the deflate socket: the two messages, each framed again for it alone.
    const metrics = await (await fetch(`${server.http}/metrics`)).text();
    expect(metrics).toMatch(/^roomcast_frames_reframed_total 2$/m);
    for (const c of [plain, deflate]) c.socket.destroy();
  });
});
