import { SignJWT } from 'jose';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import type { Config } from '../config.js';
import { startServer, TestClient, type TestServer } from '../testing/harness.js';

let server: TestServer;
const clients: TestClient[] = [];
afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close()));
  await server?.app.close();
});

const KEY = 'k3y-for-the-backend';
const SECRET = 'a-test-secret-of-decent-length-0123456789';
const start = async (config: Partial<Config> = {}) => {
  server = await startServer({ config });
  return server;
};
const req = (path: string, init: RequestInit = {}) => fetch(`${server.http}${path}`, init);
// biome-ignore lint/suspicious/noExplicitAny: JSON bodies are asserted field by field
const json = async (res: Response | Promise<Response>): Promise<any> => (await res).json();
const publish = (body: unknown, headers: Record<string, string> = {}, room = 'news') =>
  req(`/rooms/${room}/messages`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });

describe('API key', () => {
  it('with API_KEY, publish and metrics need the key as Bearer or x-api-key (401 otherwise)', async () => {
    await start({ API_KEY: KEY });
    const wrongs: Record<string, string>[] = [
      {},
      { authorization: 'Bearer wrong' },
      { 'x-api-key': `${KEY}x` },
      { authorization: KEY },
    ];
    for (const headers of wrongs) {
      const res = await publish({ text: 'hi', from: 'ada' }, headers);
      expect(res.status).toBe(401);
      expect(res.headers.get('www-authenticate')).toBe('Bearer');
      expect((await req('/metrics', { headers })).status).toBe(401);
    }
    expect((await publish({ text: 'hi' }, { authorization: `Bearer ${KEY}` })).status).toBe(200);
    expect((await publish({ text: 'hi' }, { 'x-api-key': KEY })).status).toBe(200);
    expect((await req('/metrics', { headers: { authorization: `Bearer ${KEY}` } })).status).toBe(200);
    // Health and readiness stay open for probes.
    expect((await req('/healthz')).status).toBe(200);
  });

  it('without API_KEY, publish and metrics answer loopback clients only', async () => {
    await start({ TRUST_PROXY: true });
    const remote = { 'x-forwarded-for': '203.0.113.9' };
    expect((await publish({ text: 'hi' }, remote)).status).toBe(403);
    expect((await req('/metrics', { headers: remote })).status).toBe(403);
    expect((await publish({ text: 'hi' }, { 'x-forwarded-for': '127.0.0.1' })).status).toBe(200);
    expect((await req('/metrics')).status).toBe(200);
  });
});

describe('publish body: no coercion, every field type-checked', () => {
  const wrong = [5, 0, true, false, null, ['a'], { a: 1 }, 1.5];
  it.each(wrong.map((v) => [JSON.stringify(v), v]))('text: %s -> 400', async (_name, value) => {
    await start();
    const res = await publish({ text: value });
    expect(res.status).toBe(400);
    expect((await json(res)).message).toMatch(/^body\/text /);
  });
  it.each(wrong.map((v) => [JSON.stringify(v), v]))('from: %s -> 400', async (_name, value) => {
    await start();
    const res = await publish({ text: 'hi', from: value });
    expect(res.status).toBe(400);
    expect((await json(res)).message).toMatch(/^body\/from /);
  });
  it('a body that is not an object, or has unknown fields, is 400', async () => {
    await start();
    for (const body of ['[]', '"hi"', '5', 'null', '{"text":"hi","extra":1}']) {
      expect((await publish(body)).status, body).toBe(400);
    }
  });
  it('rejects NUL, lone surrogates and bidi overrides in text, and look-alike names in from', async () => {
    await start();
    for (const body of [
      { text: 'a\u0000b' },
      { text: 'a\ud800' },
      { text: 'x\u202Ey' },
      { text: 'hi', from: 'ad\u200Ba' },
    ]) {
      expect((await publish(body)).status, JSON.stringify(body)).toBe(400);
    }
  });
  it('from is a label on the server id, normalized to NFC; it cannot pass for a user', async () => {
    await start();
    const ann = await TestClient.join(server.ws, 'ann', 'news');
    clients.push(ann);
    expect((await publish({ text: 'hi', from: 'Zoe\u0308' })).status).toBe(200);
    expect((await ann.next('message')).from).toEqual({ id: 'server', name: 'Zo\u00EB' });
  });
  it('path params of the wrong form are 400', async () => {
    await start();
    expect((await publish({ text: 'hi' }, {}, '%20bad')).status).toBe(400);
    expect((await req('/rooms/bad%20room/members')).status).toBe(400);
  });
});

describe('GET /rooms pagination', () => {
  it('pages by name with limit and an opaque cursor, each room exactly once; default 100', async () => {
    await start({ MAX_ROOMS_PER_CONNECTION: 200, RATE_LIMIT_BURST: 1000 });
    const ann = await TestClient.join(server.ws, 'ann', 'r000');
    clients.push(ann);
    for (let i = 1; i < 150; i++) ann.emit('join', { room: `r${String(i).padStart(3, '0')}` });
    await ann.until(() => ann.frames.filter((f) => f.event === 'ack').length === 149, 'all joins');
    const first = await json(req('/rooms'));
    expect(first.rooms).toHaveLength(100);
    expect(first.rooms[0]).toEqual({ room: 'r000', members: 1 });
    expect(typeof first.nextCursor).toBe('string');
    const seen: string[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const page = await json(req(`/rooms?limit=40${cursor ? `&cursor=${cursor}` : ''}`));
      seen.push(...page.rooms.map((r: { room: string }) => r.room));
      cursor = page.nextCursor;
      pages++;
    } while (cursor && pages < 10);
    expect(pages).toBe(4);
    expect(seen).toHaveLength(150);
    expect(new Set(seen).size).toBe(150);
    expect(seen).toEqual([...seen].sort());
  });
  it.each(['limit=0', 'limit=1001', 'limit=abc', 'limit=1.5', 'limit=-1', 'cursor=', 'cursor=!!', 'other=1'])(
    '?%s is 400',
    async (query) => {
      await start();
      expect((await req(`/rooms?${query}`)).status).toBe(400);
    },
  );
  it('limit=1000 is accepted', async () => {
    await start();
    const node = server.app.hub.adapter.node;
    expect(await (await req('/rooms?limit=1000')).json()).toEqual({ rooms: [], scope: 'node', node });
  });
});

describe('listings with auth on', () => {
  it('need a user token (seeing only readable rooms) or the API key', async () => {
    await start({ AUTH_JWT_SECRET: SECRET, API_KEY: KEY });
    const key = new TextEncoder().encode(SECRET);
    const token = (claims: Record<string, unknown>) =>
      new SignJWT(claims).setProtectedHeader({ alg: 'HS256' }).setExpirationTime('1h').sign(key);
    for (const room of ['a', 'b']) {
      const c = await TestClient.connect(server.ws, { token: await token({ sub: `u-${room}` }), room });
      clients.push(c);
      await c.next('welcome');
    }
    expect((await req('/rooms')).status).toBe(401);
    expect((await req('/rooms/a/members')).status).toBe(401);
    expect((await req('/rooms', { headers: { authorization: 'Bearer not-a-token' } })).status).toBe(401);
    const onlyA = { authorization: `Bearer ${await token({ sub: 'viewer', rooms: ['a'] })}` };
    expect(await (await req('/rooms', { headers: onlyA })).json()).toEqual({
      rooms: [{ room: 'a', members: 1 }],
      scope: 'node',
      node: server.app.hub.adapter.node,
    });
    expect((await req('/rooms/a/members', { headers: onlyA })).status).toBe(200);
    expect((await req('/rooms/b/members', { headers: onlyA })).status).toBe(403);
    const all = await json(req('/rooms', { headers: { authorization: `Bearer ${KEY}` } }));
    expect(all.rooms).toHaveLength(2);
  });
});

describe('handshake query types', () => {
  it.each(['name=a&name=b', 'room=a&room=b', 'token=a&token=b'])('?%s (an array) is 400', async (query) => {
    await start();
    const status = await new Promise<number>((resolve, reject) => {
      const ws = new WebSocket(`${server.ws}?${query}`);
      ws.on('unexpected-response', (_r, res) => resolve(res.statusCode ?? 0));
      ws.on('open', () => reject(new Error('should be refused')));
    });
    expect(status).toBe(400);
  });
});
