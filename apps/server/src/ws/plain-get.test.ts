import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, TestClient, type TestServer } from '../testing/harness.js';

let server: TestServer;
beforeAll(async () => {
  server = await startServer();
});
afterAll(() => server.app.close());

describe('GET /ws without an Upgrade header (a browser address bar)', () => {
  it('answers 426 with a short text saying it is the WebSocket endpoint', async () => {
    const res = await fetch(`${server.http}/ws?name=ada`, { headers: { accept: 'text/html' } });
    expect(res.status).toBe(426);
    expect(res.headers.get('upgrade')).toBe('websocket');
    expect(res.headers.get('content-type')).toBe('text/plain; charset=utf-8');
    const body = await res.text();
    expect(body).toContain('This is the Roomcast WebSocket endpoint');
    expect(body).toContain('The chat page is at /.');
    expect(server.app.hub.connections.size).toBe(0);
  });

  it('still upgrades a WebSocket client on the same URL', async () => {
    const ann = await TestClient.join(server.ws, 'ann');
    expect(ann.id).toMatch(/^[\w-]{12}$/);
    await ann.close();
  });
});
