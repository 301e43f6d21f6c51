import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { peekRequestId, type ServerFrame } from '@roomcast/protocol';
import fc from 'fast-check';
import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { startServer, TestClient, type TestServer } from '../testing/harness.js';

// Bounded so it runs in CI: a few thousand frames and a few hundred handshakes.
const SEED = process.env.FUZZ_SEED ? Number(process.env.FUZZ_SEED) : Date.now() % 2 ** 31;
const SECRET = 'fuzz-secret-fuzz-secret-fuzz-secret';
const ROOMS = ['lobby', 'a', 'b:c'];

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;
const heap = () => {
  gc();
  gc();
  return process.memoryUsage().heapUsed;
};

let server: TestServer;
let bystander: TestClient;

beforeAll(async () => {
  server = await startServer({
    config: { RATE_LIMIT_PER_SEC: 1_000_000, RATE_LIMIT_BURST: 1_000_000, MAX_FRAME_BYTES: 8192, HEARTBEAT_MS: 0 },
  });
  bystander = await TestClient.join(server.ws, 'bystander', 'lobby');
});
afterAll(async () => {
  await bystander?.close();
  await server?.app.close();
});

// Strings that have broken parsers and validators elsewhere.
const nasty = fc.constantFrom(
  '',
  '\u0000',
  '\ud800',
  '\udc00x',
  '\u202Eevil',
  '\u200B',
  'e\u0301',
  '😀'.repeat(600),
  '__proto__',
  'constructor',
  'toString',
  'hasOwnProperty',
  'x'.repeat(2001),
  'server',
);
const text = fc.oneof(fc.string({ maxLength: 50 }), fc.string({ unit: 'binary', maxLength: 50 }), nasty);
const room = fc.oneof(fc.constantFrom(...ROOMS), text);
const id = fc.oneof(
  fc.integer({ min: 0, max: 2 ** 31 - 1 }),
  fc.constantFrom(-1, 2 ** 31, 1.5, 1e308, Number.MAX_SAFE_INTEGER),
  fc.string({ maxLength: 5 }),
  fc.constant(null),
);
const data = fc.oneof(
  fc.record({ room }),
  fc.record({ room, text, clientMsgId: fc.option(text, { nil: undefined }) }, { requiredKeys: ['room', 'text'] }),
  fc.record({ token: text }),
  fc.jsonValue({ maxDepth: 3 }),
);
const event = fc.oneof(fc.constantFrom('join', 'leave', 'send', 'refresh', 'welcome', 'ack', '__proto__'), text);
const envelope = fc.record({ event, data, id }, { requiredKeys: [] });

/** One client frame as it goes on the wire. */
type Out = { text: string } | { binary: Uint8Array };
const frameArb: fc.Arbitrary<Out> = fc.oneof(
  { weight: 6, arbitrary: envelope.map((e) => ({ text: JSON.stringify(e) })) },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 200 }).map((t) => ({ text: t })) },
  { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 4 }).map((j) => ({ text: JSON.stringify(j) })) },
  {
    weight: 1,
    arbitrary: fc
      .constantFrom(
        `${'['.repeat(3000)}${']'.repeat(3000)}`,
        '{"event":"join","data":{"room":"a"},"id":1e999}',
        '{"event":"send","data":{"room":"lobby","text":"hi"},"id":123456789012345678901234567890}',
        '{"__proto__":{"polluted":true},"event":"join","data":{"room":"a"},"id":7}',
        '{"event":"join","data":{"room":"a","__proto__":{"x":1}},"id":8}',
        '{"event":"constructor","data":{},"id":9}',
        '{"event":"send","data":{"room":"lobby","text":"a"},"id":10,"id":11}',
        'null',
        '1e999',
        '-0',
      )
      .map((t) => ({ text: t })),
  },
  { weight: 1, arbitrary: fc.uint8Array({ maxLength: 64 }).map((b) => ({ binary: b })) },
);

const replyId = (f: ServerFrame) => (f.event === 'ack' || f.event === 'error' ? f.data.id : undefined);

describe('fuzzed frames against a live server', () => {
  it('never crashes, answers each frame with an id exactly once, welcome first, bystander intact, memory back to baseline', async () => {
    const baseline = heap();
    let frames = 0;
    let barrier = 2 ** 30;
    await fc.assert(
      fc.asyncProperty(fc.array(frameArb, { minLength: 10, maxLength: 60 }), fc.boolean(), async (batch, early) => {
        const client = new WebSocket(`${server.ws}?name=fuzzer&room=lobby`);
        const got: ServerFrame[] = [];
        const raw: string[] = [];
        client.on('message', (d) => {
          const s = d.toString();
          raw.push(s);
          got.push(JSON.parse(s));
        });
        await new Promise((resolve, reject) => {
          client.once('open', resolve);
          client.once('error', reject);
        });
        // Text frames may go before the welcome arrives; they are handled after it.
        const send = (f: Out) => ('text' in f ? client.send(f.text) : client.send(f.binary, { binary: true }));
        const textFirst: Out[] = early ? batch.filter((f) => 'text' in f) : [];
        for (const f of textFirst) send(f);
        await new Promise<void>((resolve) => {
          const check = () => (got.length > 0 ? resolve() : setTimeout(check, 5));
          check();
        });
        for (const f of batch) if (!textFirst.includes(f)) send(f);
        frames += batch.length;
        const sync = barrier++;
        client.send(JSON.stringify({ event: 'leave', data: { room: 'sync-barrier' }, id: sync }));
        await new Promise<void>((resolve, reject) => {
          const deadline = setTimeout(() => reject(new Error(`no sync reply; got ${raw.slice(-3).join(' ')}`)), 10_000);
          const check = () => {
            if (got.some((f) => replyId(f) === sync)) {
              clearTimeout(deadline);
              resolve();
            } else setTimeout(check, 5);
          };
          check();
        });
        expect(got[0]?.event).toBe('welcome');
        expect(got.filter((f) => f.event === 'welcome')).toHaveLength(1);
        const expected = batch
          .map((f) => ('text' in f ? peekRequestId(f.text) : undefined))
          .filter((i): i is number => i !== undefined)
          .sort((a, b) => a - b);
        const replies = got
          .map(replyId)
          .filter((i): i is number => i !== undefined && i !== sync)
          .sort((a, b) => a - b);
        expect(replies).toEqual(expected);
        await new Promise<void>((resolve) => {
          client.once('close', () => resolve());
          client.close();
        });
      }),
      { seed: SEED, numRuns: 120, endOnFailure: true },
    );
    expect(frames).toBeGreaterThan(2000);
    // The bystander saw every message of its room exactly once, in seq order, and still works.
    bystander.emit('send', { room: 'lobby', text: 'still fine' });
    await bystander.until(
      () => bystander.frames.some((f) => f.event === 'message' && f.data.text === 'still fine'),
      'its own message',
    );
    const seqs = bystander.frames.filter((f) => f.event === 'message').map((f) => (f.data as { seq: number }).seq);
    expect(seqs.length).toBeGreaterThan(10);
    expect(seqs).toEqual(seqs.map((_, i) => i + 1));
    expect(({} as { polluted?: boolean }).polluted).toBeUndefined();
    await bystander.until(() => server.app.hub.connections.size === 1, 'fuzz clients gone');
    const grown = heap() - baseline;
    expect(grown, `heap grew by ${(grown / 1e6).toFixed(1)} MB (seed ${SEED})`).toBeLessThan(30e6);
  }, 120_000);

  it('an oversized frame closes only that socket, with 1009', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 8193, max: 40_000 }), async (size) => {
        const c = await TestClient.join(server.ws, 'big', 'lobby');
        c.sendRaw('x'.repeat(size));
        expect((await c.waitClosed()).code).toBe(1009);
      }),
      { seed: SEED, numRuns: 5 },
    );
    const res = await fetch(`${server.http}/healthz`);
    expect(res.status).toBe(200);
  }, 60_000);
});

describe('fuzzed handshakes', () => {
  it('get 101, 400, 401, 403, 404 or 431, never a server error, and never leave a socket behind', async () => {
    const authed = await startServer({ config: { AUTH_JWT_SECRET: SECRET, MAX_CONNECTIONS_PER_IP: 10_000 } });
    const key = new TextEncoder().encode(SECRET);
    const claims = fc.record(
      {
        sub: fc.oneof(text, fc.integer(), fc.constant('server')),
        name: fc.oneof(text, fc.integer()),
        rooms: fc.oneof(fc.array(fc.oneof(text, fc.constant('*'))), text),
      },
      { requiredKeys: [] },
    );
    const token = fc.oneof(
      text,
      claims
        .chain((c) => fc.constantFrom(-60, 3600).map((exp) => ({ c, exp })))
        .map(({ c, exp }) => ({ claims: c, exp })),
    );
    const query = fc.dictionary(
      fc.oneof(fc.constantFrom('name', 'room', 'token', '__proto__'), fc.string({ maxLength: 5 })),
      text,
      { maxKeys: 4 },
    );
    const origin = fc.option(fc.oneof(fc.constantFrom('null', 'https://evil.example', 'http://127.0.0.1'), text), {
      nil: undefined,
    });
    try {
      await fc.assert(
        fc.asyncProperty(
          query,
          origin,
          fc.option(token, { nil: undefined }),
          fc.constantFrom('/ws', '/', '/ws?', '/metrics'),
          async (q, o, t, path) => {
            const params = new URLSearchParams(q);
            if (t !== undefined) {
              const value =
                typeof t === 'string'
                  ? t
                  : await new SignJWT(t.claims as Record<string, unknown>)
                      .setProtectedHeader({ alg: 'HS256' })
                      .setExpirationTime(Math.floor(Date.now() / 1000) + t.exp)
                      .sign(key);
              params.set('token', value);
            }
            for (const target of [server, authed]) {
              const url = `${target.ws.replace(/\/ws$/, path.split('?')[0] ?? '/')}?${params}`;
              const headers: Record<string, string> = {};
              if (o !== undefined && /^[\t\x20-\x7e]*$/.test(o)) headers.origin = o;
              const status = await new Promise<number>((resolve) => {
                let ws: WebSocket;
                try {
                  ws = new WebSocket(url, { headers });
                } catch {
                  return resolve(-1);
                }
                ws.on('unexpected-response', (_req, res) => {
                  res.resume();
                  resolve(res.statusCode ?? 0);
                });
                ws.on('open', () => {
                  ws.close();
                  resolve(101);
                });
                ws.on('error', () => resolve(0));
              });
              // 431: Node's HTTP parser refuses a request over its 16 KiB header limit before the app sees it.
              expect([-1, 101, 400, 401, 403, 404, 431]).toContain(status);
            }
          },
        ),
        { seed: SEED, numRuns: 150 },
      );
      const health = await fetch(`${authed.http}/healthz`);
      expect(health.status).toBe(200);
      await bystander.until(
        () => authed.app.hub.connections.size === 0 && server.app.hub.connections.size === 1,
        'every fuzzed socket to be gone',
      );
    } finally {
      await authed.app.close();
    }
  }, 120_000);
});
