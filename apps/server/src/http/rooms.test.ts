import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startServer, TestClient, type TestServer } from '../testing/harness.js';

let server: TestServer;
const clients: TestClient[] = [];

beforeEach(async () => {
  server = await startServer();
});
afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close()));
  await server.app.close();
});

const post = (path: string, body: unknown) =>
  fetch(`${server.http}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });

describe('HTTP API', () => {
  it('GET /healthz reports status, adapter and connections', async () => {
    clients.push(await TestClient.join(server.ws, 'ann'));
    const res = await fetch(`${server.http}/healthz`);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ status: 'ok', adapter: 'memory', connections: 1, scope: 'node' });
    const health = (await (await fetch(`${server.http}/healthz`)).json()) as { node: string };
    expect(health.node).toBe(server.app.hub.adapter.node);
  });

  it('GET /readyz says ready when the adapter is (the in-memory one always is)', async () => {
    const res = await fetch(`${server.http}/readyz`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: 'ready', adapter: 'memory', node: server.app.hub.adapter.node });
  });

  it('keeps validation errors as 400 next to the unavailable handler', async () => {
    const res = await post('/rooms/a/messages', { text: '' });
    expect(res.status).toBe(400);
  });

  it('GET /rooms lists rooms with member counts; GET /rooms/:room/members lists members', async () => {
    const ann = await TestClient.join(server.ws, 'ann', 'a');
    clients.push(ann, await TestClient.join(server.ws, 'bob', 'a'), await TestClient.join(server.ws, 'cat', 'b'));
    const { rooms, scope } = (await (await fetch(`${server.http}/rooms`)).json()) as {
      rooms: unknown[];
      scope: string;
    };
    expect(scope).toBe('node');
    expect(rooms).toEqual(
      expect.arrayContaining([
        { room: 'a', members: 2 },
        { room: 'b', members: 1 },
      ]),
    );
    expect(rooms).toHaveLength(2);
    const members = await (await fetch(`${server.http}/rooms/a/members`)).json();
    expect(members).toEqual({
      room: 'a',
      members: [{ id: ann.id, name: 'ann' }, expect.objectContaining({ name: 'bob' })],
      memberCount: 2,
    });
  });

  it('POST /rooms/:room/messages publishes to every member of that room only', async () => {
    const ann = await TestClient.join(server.ws, 'ann', 'news');
    const bob = await TestClient.join(server.ws, 'bob', 'news');
    const cat = await TestClient.join(server.ws, 'cat', 'other');
    clients.push(ann, bob, cat);
    await ann.next('user:joined');
    bob.emit('send', { room: 'news', text: 'first' }, false);
    await ann.next('message');
    const res = await post('/rooms/news/messages', { text: 'from the backend', from: 'ops' });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ room: 'news', seq: 2, recipients: 2, scope: 'cluster' });
    for (const c of [ann, bob]) {
      await c.until(() => c.frames.some((f) => f.event === 'message' && f.data.seq === 2), 'the published message');
      const published = c.frames.find((f) => f.event === 'message' && f.data.seq === 2);
      expect(published?.data).toMatchObject({
        room: 'news',
        text: 'from the backend',
        from: { id: 'server', name: 'ops' },
      });
    }
    await cat.sync();
    expect(cat.unread()).toEqual([]);
  });

  it('validates the publish request', async () => {
    const cases: [string, unknown][] = [
      ['/rooms/news/messages', { text: '' }],
      ['/rooms/news/messages', { text: 'x'.repeat(2001) }],
      ['/rooms/news/messages', { text: 'hi', extra: true }],
      ['/rooms/bad%20room/messages', { text: 'hi' }],
    ];
    for (const [path, body] of cases) {
      const res = await post(path, body);
      expect(res.status).toBe(400);
      expect(await res.json()).toMatchObject({ code: 'FST_ERR_VALIDATION' });
    }
    const notJson = await fetch(`${server.http}/rooms/news/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{',
    });
    expect(notJson.status).toBe(400);
  });

  it('publishing to an empty room reaches nobody', async () => {
    expect(await (await post('/rooms/empty/messages', { text: 'hello?' })).json()).toEqual({
      room: 'empty',
      seq: 1,
      recipients: 0,
      scope: 'cluster',
    });
  });

  it('GET /metrics exposes Prometheus counters that move', async () => {
    const ann = await TestClient.join(server.ws, 'ann');
    clients.push(ann);
    ann.sendRaw('not json');
    await ann.next('error');
    ann.emit('send', { room: 'lobby', text: 'hi' });
    await ann.next('message');
    const res = await fetch(`${server.http}/metrics`);
    expect(res.headers.get('content-type')).toContain('text/plain');
    const text = await res.text();
    expect(text).toContain('roomcast_connections 1');
    expect(text).toContain('roomcast_errors_total{code="bad_json"} 1');
    expect(text).toContain('roomcast_frames_received_total{event="send"} 1');
    expect(text).toContain('roomcast_messages_published_total{source="ws"} 1');
    // welcome, error, message (a broadcast to its one member), ack
    expect(text).toContain('roomcast_frames_sent_total 4');
  });
});
