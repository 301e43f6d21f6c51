import { generateKeyPairSync } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { Writable } from 'node:stream';
import { exportJWK, type JWTPayload, SignJWT } from 'jose';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import type { BuildAppOptions } from '../app.js';
import type { Config } from '../config.js';
import { startServer, TestClient, type TestServer } from '../testing/harness.js';

const SECRET = 'a-test-secret-of-decent-length-0123456789';
const key = new TextEncoder().encode(SECRET);
let server: TestServer;
const clients: TestClient[] = [];
let jwks: Server | undefined;

afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close()));
  await server?.app.close();
  jwks?.close();
  jwks = undefined;
});

async function start(config: Partial<Config> = {}, options: BuildAppOptions = {}) {
  server = await startServer({ ...options, config: { AUTH_JWT_SECRET: SECRET, ...config } });
  return server;
}

const now = () => Math.floor(Date.now() / 1000);
function mint(claims: JWTPayload, opts: { exp?: number; nbf?: number; secret?: Uint8Array } = {}) {
  const jwt = new SignJWT(claims).setProtectedHeader({ alg: 'HS256' }).setIssuedAt();
  jwt.setExpirationTime(opts.exp ?? now() + 3600);
  if (opts.nbf !== undefined) jwt.setNotBefore(opts.nbf);
  return jwt.sign(opts.secret ?? key);
}

/** The HTTP status of a refused upgrade, or 101. */
function handshake(url: string, headers: Record<string, string> = {}): Promise<{ status: number; body: string }> {
  return new Promise((resolve) => {
    const ws = new WebSocket(url, { headers });
    ws.on('unexpected-response', (_req, res) => {
      let body = '';
      res.on('data', (d) => {
        body += d;
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    ws.on('open', () => {
      ws.close();
      resolve({ status: 101, body: '' });
    });
    ws.on('error', () => {});
  });
}

async function joinWith(token: string, query: Record<string, string> = {}) {
  const client = await TestClient.connect(server.ws, { token, ...query });
  clients.push(client);
  return { client, welcome: await client.next('welcome') };
}

describe('JWT admission', () => {
  it('refuses a missing, malformed, badly signed, expired or not-yet-valid token with 401 and no socket', async () => {
    await start();
    const cases: [string, string, string][] = [
      ['missing', server.ws, 'token missing'],
      ['malformed', `${server.ws}?token=not.a.jwt`, 'token malformed'],
      [
        'bad signature',
        `${server.ws}?token=${await mint({ sub: 'ada' }, { secret: new TextEncoder().encode('other-secret-other-secret-other') })}`,
        'token signature invalid',
      ],
      ['expired', `${server.ws}?token=${await mint({ sub: 'ada' }, { exp: now() - 10 })}`, 'token expired'],
      ['not yet valid', `${server.ws}?token=${await mint({ sub: 'ada' }, { nbf: now() + 600 })}`, 'token claim "nbf"'],
      ['no sub', `${server.ws}?token=${await mint({ name: 'ada' })}`, 'token claim "sub"'],
      ['server sub', `${server.ws}?token=${await mint({ sub: 'server' })}`, 'token claim "sub" may not be'],
      ['bad name claim', `${server.ws}?token=${await mint({ sub: 'ada', name: 'ad\u200Ba' })}`, 'token claim "name"'],
      ['bad rooms claim', `${server.ws}?token=${await mint({ sub: 'ada', rooms: 'lobby' })}`, 'token claim "rooms"'],
    ];
    for (const [what, url, reason] of cases) {
      const res = await handshake(url);
      expect(res.status, what).toBe(401);
      expect(JSON.parse(res.body).message, what).toContain(reason);
    }
    expect(server.app.hub.connections.size).toBe(0);
  });

  it('takes the token from ?token= or an Authorization: Bearer header; sub is the user, the name claim wins', async () => {
    await start();
    const token = await mint({ sub: 'user-42', name: 'Ada' });
    const { welcome } = await joinWith(token, { name: 'mallory' });
    expect(welcome.userId).toBe('user-42');
    expect(welcome.name).toBe('Ada');
    expect(welcome.clientId).not.toBe('user-42');
    expect(welcome.members.lobby).toEqual([{ id: 'user-42', name: 'Ada', clientId: welcome.clientId }]);

    const viaHeader = new WebSocket(server.ws, { headers: { authorization: `Bearer ${token}` } });
    const second = await new Promise<string>((resolve) => viaHeader.on('message', (d) => resolve(d.toString())));
    const w2 = JSON.parse(second).data;
    expect(w2.userId).toBe('user-42');
    // Same user, two connections: presence lists both, one id, two clientIds.
    expect(w2.members.lobby).toEqual([
      { id: 'user-42', name: 'Ada', clientId: welcome.clientId },
      { id: 'user-42', name: 'Ada', clientId: w2.clientId },
    ]);
    viaHeader.close();
  });

  it('without a name claim the query name is used; issuer and audience are enforced when configured', async () => {
    await start({ AUTH_JWT_ISSUER: 'https://id.example', AUTH_JWT_AUDIENCE: 'roomcast' });
    const good = await mint({ sub: 'u1', iss: 'https://id.example', aud: 'roomcast' });
    const { welcome } = await joinWith(good, { name: 'bob' });
    expect(welcome).toMatchObject({ userId: 'u1', name: 'bob' });
    for (const claims of [
      { sub: 'u1', iss: 'https://evil.example', aud: 'roomcast' },
      { sub: 'u1', iss: 'https://id.example', aud: 'other' },
    ]) {
      expect((await handshake(`${server.ws}?token=${await mint(claims)}`)).status).toBe(401);
    }
  });

  it('verifies RS256 and ES256 tokens with AUTH_JWT_PUBLIC_KEY', async () => {
    for (const [type, alg] of [
      ['rsa', 'RS256'],
      ['ec', 'ES256'],
    ] as const) {
      const pair =
        type === 'rsa'
          ? generateKeyPairSync('rsa', { modulusLength: 2048 })
          : generateKeyPairSync('ec', { namedCurve: 'P-256' });
      const pem = pair.publicKey.export({ type: 'spki', format: 'pem' }).toString();
      server = await startServer({ config: { AUTH_JWT_PUBLIC_KEY: pem } });
      const token = await new SignJWT({ sub: `${alg}-user` })
        .setProtectedHeader({ alg })
        .setExpirationTime('1h')
        .sign(pair.privateKey);
      const { welcome } = await joinWith(token);
      expect(welcome.userId).toBe(`${alg}-user`);
      // An HS256 token made with the public key as its secret (algorithm confusion) is refused.
      const confused = await new SignJWT({ sub: 'x' })
        .setProtectedHeader({ alg: 'HS256' })
        .setExpirationTime('1h')
        .sign(new TextEncoder().encode(pem));
      expect((await handshake(`${server.ws}?token=${confused}`)).status).toBe(401);
      await Promise.all(clients.splice(0).map((c) => c.close()));
      await server.app.close();
    }
  });

  it('verifies tokens against AUTH_JWKS_URL', async () => {
    const pair = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const jwk = { ...(await exportJWK(pair.publicKey)), kid: 'k1', alg: 'ES256', use: 'sig' };
    jwks = createServer((_req, res) =>
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: [jwk] })),
    );
    await new Promise<void>((r) => jwks?.listen(0, '127.0.0.1', r));
    const address = jwks.address() as { port: number };
    server = await startServer({ config: { AUTH_JWKS_URL: `http://127.0.0.1:${address.port}/jwks.json` } });
    const token = await new SignJWT({ sub: 'jwks-user' })
      .setProtectedHeader({ alg: 'ES256', kid: 'k1' })
      .setExpirationTime('1h')
      .sign(pair.privateKey);
    expect((await joinWith(token)).welcome.userId).toBe('jwks-user');
    const other = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const forged = await new SignJWT({ sub: 'x' })
      .setProtectedHeader({ alg: 'ES256', kid: 'k1' })
      .setExpirationTime('1h')
      .sign(other.privateKey);
    expect((await handshake(`${server.ws}?token=${forged}`)).status).toBe(401);
  });

  it('while the JWKS cannot be fetched: handshakes get 503 and refresh gets unavailable, not a token error', async () => {
    const pair = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const jwk = { ...(await exportJWK(pair.publicKey)), kid: 'k1', alg: 'ES256', use: 'sig' };
    let healthy = true;
    jwks = createServer((_req, res) => {
      if (!healthy) return res.writeHead(500).end('down');
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: [jwk] }));
    });
    await new Promise<void>((r) => jwks?.listen(0, '127.0.0.1', r));
    const address = jwks.address() as { port: number };
    // A cache of 0 ms: every token makes the server fetch the key set again.
    server = await startServer({
      config: { AUTH_JWKS_URL: `http://127.0.0.1:${address.port}/jwks.json`, AUTH_JWKS_CACHE_MS: 0 },
    });
    const sign = () =>
      new SignJWT({ sub: 'u1' })
        .setProtectedHeader({ alg: 'ES256', kid: 'k1' })
        .setExpirationTime('1h')
        .sign(pair.privateKey);
    const { client } = await joinWith(await sign());

    healthy = false;
    const token = await sign();
    client.socket.send(JSON.stringify({ event: 'refresh', data: { token }, id: 5 }));
    expect(await client.next('error')).toEqual({
      code: 'unavailable',
      message: 'Refresh not checked: the token key set (AUTH_JWKS_URL) is unreachable',
      id: 5,
    });
    const refused = await handshake(`${server.ws}?token=${token}`);
    expect(refused.status).toBe(503);
    expect(JSON.parse(refused.body)).toMatchObject({ error: 'token_keys' });
    expect(await server.app.metrics.registry.metrics()).toContain(
      'roomcast_handshakes_refused_total{reason="token_keys"} 1',
    );

    healthy = true;
    client.socket.send(JSON.stringify({ event: 'refresh', data: { token }, id: 6 }));
    expect(await client.next('ack')).toMatchObject({ id: 6 });
    expect(client.closed).toBeUndefined();
  });
});

describe('identity across a resume', () => {
  it('a resumed connection of a signed-in user is announced with its user id and its own clientId', async () => {
    await start();
    const token = await mint({ sub: 'u1', name: 'ann' });
    const { client: first, welcome } = await joinWith(token, { room: 'r' });
    const { client: watcher } = await joinWith(await mint({ sub: 'u2', name: 'bob' }), { room: 'r' });
    first.socket.terminate();
    // PRESENCE_GRACE_MS is 0 here: ann is announced gone, so her return is announced too.
    await watcher.until(() => watcher.frames.some((f) => f.event === 'user:left'), 'user:left');
    const epoch = welcome.positions?.r?.epoch as string;
    const query = {
      room: 'r',
      resume: welcome.resumeToken as string,
      positions: JSON.stringify({ r: { epoch, seq: 0 } }),
    };
    const { welcome: back } = await joinWith(token, query);
    expect(back.resumed).toBe(true);
    expect(back.clientId).toBe(welcome.clientId);
    await watcher.until(() => watcher.frames.filter((f) => f.event === 'user:joined').length === 1, 'user:joined');
    const joined = watcher.frames.find((f) => f.event === 'user:joined');
    expect(joined?.data).toEqual({ room: 'r', user: { id: 'u1', name: 'ann', clientId: welcome.clientId } });
  });
});

describe('logs', () => {
  it('never contain the token from the query string', async () => {
    let logged = '';
    const stream = new Writable({
      write(chunk, _enc, done) {
        logged += chunk;
        done();
      },
    });
    // Upgrade request lines are logged at debug (info stays quiet for connection churn).
    await start({}, { logger: { level: 'debug', stream } });
    const token = await mint({ sub: 'u1' });
    await joinWith(token, { name: 'ann' });
    expect(logged).toContain('token=[redacted]');
    expect(logged).not.toContain(token);
  });
});

describe('authorization: the rooms claim and buildApp({ authorize })', () => {
  it('a join outside the rooms claim, the welcome room included, is forbidden; prefix* patterns match', async () => {
    await start();
    const token = await mint({ sub: 'u1', rooms: ['lobby', 'team:*'] });
    const { client, welcome } = await joinWith(token, { room: 'secret' });
    expect(welcome.rooms).toEqual([]);
    expect(await client.next('error')).toMatchObject({ code: 'forbidden' });
    const id = client.emit('join', { room: 'secret' });
    expect(await client.next('error')).toEqual({ code: 'forbidden', message: 'Not allowed to join room "secret"', id });
    client.emit('join', { room: 'team:blue' });
    expect(await client.next('ack')).toMatchObject({ result: { room: 'team:blue' } });
    client.emit('join', { room: 'lobby' });
    expect(await client.next('ack')).toMatchObject({ result: { room: 'lobby' } });
  });

  it('an embedder authorize (async) decides joins and sends, with or without tokens', async () => {
    const seen: string[] = [];
    server = await startServer({
      authorize: async ({ user, room, action }) => {
        seen.push(`${action}:${room}`);
        await new Promise((r) => setImmediate(r));
        return !(action === 'send' && room === 'readonly') && user.name !== 'banned';
      },
    });
    const ann = await TestClient.join(server.ws, 'ann');
    clients.push(ann);
    ann.emit('join', { room: 'readonly' });
    await ann.next('ack');
    const id = ann.emit('send', { room: 'readonly', text: 'hi' });
    expect(await ann.next('error')).toEqual({
      code: 'forbidden',
      message: 'Not allowed to send to room "readonly"',
      id,
    });
    ann.emit('send', { room: 'lobby', text: 'hi' });
    await ann.next('message');
    expect(seen).toEqual(['join:lobby', 'join:readonly', 'send:readonly', 'send:lobby']);
    const banned = await TestClient.connect(server.ws, { name: 'banned' });
    clients.push(banned);
    expect((await banned.next('welcome')).rooms).toEqual([]);
    expect(await banned.next('error')).toMatchObject({ code: 'forbidden' });
  });
});

describe('token expiry and refresh', () => {
  it('closes a live connection with 4004 at exp', async () => {
    await start();
    const { client } = await joinWith(await mint({ sub: 'u1' }, { exp: now() + 1 }));
    const closed = await client.waitClosed(5000);
    expect(closed.code).toBe(4004);
    // The server counts the close once its side of the socket has closed too.
    await client.until(() => server.app.hub.connections.size === 0, 'the server to drop it');
    expect(await server.app.metrics.registry.metrics()).toContain(
      'roomcast_disconnects_total{reason="token_expired"} 1',
    );
  });

  it('a refresh with a fresh token for the same user keeps it open; another user or a bad token is forbidden', async () => {
    await start();
    const { client } = await joinWith(await mint({ sub: 'u1' }, { exp: now() + 2 }));
    const later = now() + 3600;
    const send = (token: string) => {
      const id = 77;
      client.socket.send(JSON.stringify({ event: 'refresh', data: { token }, id }));
      return id;
    };
    send(await mint({ sub: 'someone-else' }));
    expect(await client.next('error')).toMatchObject({
      code: 'forbidden',
      message: 'Refresh refused: the token is for another user',
    });
    send('garbage');
    expect(await client.next('error')).toMatchObject({
      code: 'forbidden',
      message: 'Refresh refused: token malformed',
    });
    send(await mint({ sub: 'u1' }, { exp: later }));
    expect(await client.next('ack')).toEqual({ id: 77, result: { expiresAt: later * 1000 } });
    // Past the first token's exp, the connection still serves.
    await new Promise((r) => setTimeout(r, 2500));
    client.emit('send', { room: 'lobby', text: 'still here' });
    expect(await client.next('message')).toMatchObject({ text: 'still here' });
    expect(client.closed).toBeUndefined();
  });
});
