import { createClient, type RoomcastClient } from '@roomcast/client';
import { next } from '@roomcast/client/testing';
import { SignJWT } from 'jose';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { startServer, type TestServer } from './server.js';

const SECRET = 'a-test-secret-of-decent-length-0123456789';
const key = new TextEncoder().encode(SECRET);
const mint = (sub: string, expiresInS: number) =>
  new SignJWT({ sub, name: sub })
    .setProtectedHeader({ alg: 'HS256' })
    .setExpirationTime(Math.floor(Date.now() / 1000) + expiresInS)
    .sign(key);

let server: TestServer;
const clients: RoomcastClient[] = [];
afterEach(async () => {
  for (const c of clients.splice(0)) c.close();
  await server?.app.close();
});

describe('client token option', () => {
  it('a string token is sent on connect', async () => {
    server = await startServer({ AUTH_JWT_SECRET: SECRET });
    const c = createClient({ url: server.url, WebSocket, token: await mint('ada', 3600), reconnect: false });
    clients.push(c);
    await c.ready();
    expect(c.welcome).toMatchObject({ userId: 'ada', name: 'ada' });
  });

  it('a token function is called on every (re)connect: after a 4004 expiry the client comes back with a fresh one', async () => {
    server = await startServer({ AUTH_JWT_SECRET: SECRET });
    let calls = 0;
    const c = createClient({
      url: server.url,
      WebSocket,
      reconnect: { initialDelayMs: 20, maxDelayMs: 100, jitter: 0 },
      // The first token expires at once; later ones last.
      token: () => mint('ada', ++calls === 1 ? 1 : 3600),
    });
    clients.push(c);
    await c.ready();
    const first = c.welcome?.clientId;
    const welcome = await next(c, 'welcome');
    expect(welcome.userId).toBe('ada');
    // The fresh token is the same user's, so the connection resumed with its identity.
    expect(welcome).toMatchObject({ clientId: first, resumed: true });
    expect(calls).toBe(2);
  }, 15_000);
});
