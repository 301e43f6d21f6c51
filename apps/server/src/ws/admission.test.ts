import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import type { Config } from '../config.js';
import { startServer, TestClient, type TestServer } from '../testing/harness.js';
import { rawSocket, rawUpgrade } from '../testing/raw-http.js';

let server: TestServer;
const clients: TestClient[] = [];
const sockets: { destroy(): void }[] = [];

afterEach(async () => {
  for (const s of sockets.splice(0)) s.destroy();
  await Promise.all(clients.splice(0).map((c) => c.close()));
  await server?.app.close();
});

async function start(config: Partial<Config> = {}) {
  server = await startServer({ config });
  return server;
}

// Read in-process: over HTTP the per-address cap under test would count the request too.
const metric = async (line: string) => {
  const text = await server.app.metrics.registry.metrics();
  return text.split('\n').find((l) => l.startsWith(line));
};

describe('origins', () => {
  it('by default allows no Origin and the server own origin; any other browser origin gets 403 and no socket', async () => {
    await start();
    const own = new URL(server.http).host;
    expect((await rawUpgrade(server.http, '/ws')).status).toBe(101);
    expect((await rawUpgrade(server.http, '/ws', { Origin: `http://${own}` })).status).toBe(101);
    for (const origin of ['https://evil.example', 'null', `http://${own}.evil.example`]) {
      const res = await rawUpgrade(server.http, '/ws', { Origin: origin });
      expect(res.status).toBe(403);
      await res.closed;
    }
    expect(await metric('roomcast_handshakes_refused_total{reason="origin"}')).toMatch(/ 3$/);
    expect(server.app.hub.connections.size).toBe(2);
  });

  it('ALLOWED_ORIGINS lists more origins; * allows any', async () => {
    await start({ ALLOWED_ORIGINS: 'https://app.example, https://admin.example' });
    expect((await rawUpgrade(server.http, '/ws', { Origin: 'https://admin.example' })).status).toBe(101);
    expect((await rawUpgrade(server.http, '/ws', { Origin: 'https://evil.example' })).status).toBe(403);
    await server.app.close();
    await start({ ALLOWED_ORIGINS: '*' });
    expect((await rawUpgrade(server.http, '/ws', { Origin: 'https://evil.example' })).status).toBe(101);
    expect((await rawUpgrade(server.http, '/ws', { Origin: 'null' })).status).toBe(101);
  });
});

describe('upgrades only on /ws', () => {
  it.each(['/healthz', '/', '/rooms', '/nope', '/ws/extra'])(
    'an upgrade to %s is refused with 404 and the socket closed at once',
    async (path) => {
      await start();
      const res = await rawUpgrade(server.http, path);
      expect(res.status).toBe(404);
      await res.closed;
      expect(server.app.hub.connections.size).toBe(0);
    },
  );
});

describe('per-address cap', () => {
  it('MAX_CONNECTIONS_PER_IP counts unfinished requests and open sockets; a socket over it is closed', async () => {
    await start({ MAX_CONNECTIONS_PER_IP: 2 });
    const idle = rawSocket(server.http);
    sockets.push(idle.socket);
    await idle.opened;
    const ann = await TestClient.join(server.ws, 'ann');
    clients.push(ann);
    // Third socket from this address: closed without a request being read.
    const third = await rawUpgrade(server.http, '/ws');
    expect(third.status).toBe(0);
    await third.closed;
    expect(await metric('roomcast_handshakes_refused_total{reason="per_ip"}')).toMatch(/ 1$/);
    idle.socket.destroy();
    await idle.closed;
    // A freed slot serves again (the server may see the close a moment after us).
    await ann.until(() => true, 'nothing');
    let ok = 0;
    for (let i = 0; i < 50 && ok === 0; i++) {
      const res = await rawUpgrade(server.http, '/ws');
      if (res.status === 101) {
        ok++;
        res.socket.destroy();
      } else await new Promise((r) => setTimeout(r, 20));
    }
    expect(ok).toBe(1);
  });

  it('with TRUST_PROXY counts per forwarded address and answers 429', async () => {
    await start({ MAX_CONNECTIONS_PER_IP: 1, TRUST_PROXY: true });
    const a = await rawUpgrade(server.http, '/ws', { 'X-Forwarded-For': '203.0.113.7' });
    sockets.push(a.socket);
    expect(a.status).toBe(101);
    const again = await rawUpgrade(server.http, '/ws', { 'X-Forwarded-For': 'spoofed, 203.0.113.7' });
    expect(again.status).toBe(429);
    await again.closed;
    const other = await rawUpgrade(server.http, '/ws', { 'X-Forwarded-For': '203.0.113.8' });
    sockets.push(other.socket);
    expect(other.status).toBe(101);
  });
});

describe('handshake deadline', () => {
  it('drops a request that does not finish within HANDSHAKE_TIMEOUT_MS', async () => {
    await start({ HANDSHAKE_TIMEOUT_MS: 300 });
    const slow = rawSocket(server.http);
    sockets.push(slow.socket);
    await slow.opened;
    slow.socket.write('GET /ws HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\n');
    const started = Date.now();
    await slow.closed;
    expect(Date.now() - started).toBeLessThan(5000);
    expect(await metric('roomcast_handshakes_refused_total{reason="handshake_timeout"}')).toMatch(/ 1$/);
    // A complete handshake is not affected.
    clients.push(await TestClient.join(server.ws, 'ann'));
  });
});

describe('names', () => {
  it('normalizes the name to NFC and refuses look-alikes and the server name with 400', async () => {
    await start();
    const zoe = await TestClient.connect(server.ws, { name: 'Zoe\u0308' });
    clients.push(zoe);
    expect((await zoe.next('welcome')).name).toBe('Zo\u00EB');
    for (const name of ['ad\u200Ba', '\u202Enimda', 'a\u0085b', 'server', 'Server']) {
      const status = await new Promise<number>((resolve, reject) => {
        const ws = new WebSocket(`${server.ws}?${new URLSearchParams({ name })}`);
        ws.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
        ws.on('open', () => reject(new Error(`${JSON.stringify(name)} should have been refused`)));
      });
      expect(status).toBe(400);
    }
  });
});
