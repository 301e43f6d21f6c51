import { Writable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import type { Config } from './config.js';
import { debugOnlyLogLevel, loggerOptions } from './logger.js';
import { startServer, TestClient, type TestServer } from './testing/harness.js';

interface Line {
  level: number;
  msg: string;
  req?: { url?: string };
  reason?: string;
  code?: number;
  room?: string;
  rooms?: string[];
  name?: string;
}
const INFO = 30;
const DEBUG = 20;
// The machine is shared: generous bounds, only ever reached on failure.
const POLL = { timeout: 10_000 };

/** A real server whose pino JSON lines are collected, one parsed object per line. */
async function loggedServer(level: 'info' | 'debug', config: Partial<Config> = {}) {
  const lines: Line[] = [];
  let partial = '';
  const stream = new Writable({
    write(chunk, _enc, done) {
      const text = partial + chunk.toString();
      const parts = text.split('\n');
      partial = parts.pop() ?? '';
      for (const part of parts) if (part) lines.push(JSON.parse(part) as Line);
      done();
    },
  });
  const server = await startServer({ logger: { level, stream }, config });
  servers.push(server);
  return { server, lines };
}

const servers: TestServer[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) await s.app.close();
});

const POLLED = ['/rooms', '/healthz', '/readyz', '/metrics', '/rooms/lobby/members'];
const requestLines = (lines: Line[], url: string) => lines.filter((l) => l.req?.url === url);

describe('logs', () => {
  it('keeps polled endpoints out of the info log, but not other requests', async () => {
    const { server, lines } = await loggedServer('info');
    for (const path of POLLED) expect((await fetch(`${server.http}${path}`)).status).toBe(200);
    // Logged in order: once this 404 is in, any line for the polls above would be too.
    expect((await fetch(`${server.http}/no-such-page`)).status).toBe(404);
    await expect.poll(() => requestLines(lines, '/no-such-page').length, POLL).toBe(1);
    for (const path of POLLED) expect(requestLines(lines, path)).toEqual([]);
  }, 20_000);

  it('logs polls, connects, joins, leaves and disconnects at debug', async () => {
    const { server, lines } = await loggedServer('debug');
    for (const path of POLLED) expect((await fetch(`${server.http}${path}`)).status).toBe(200);
    // Fastify writes its request lines at info; on these routes they pass only when the log is at debug.
    for (const path of POLLED) expect(requestLines(lines, path).map((l) => l.msg)).toEqual(['incoming request']);
    const ann = await TestClient.join(server.ws, 'ann', 'lobby');
    ann.emit('join', { room: 'kitchen' });
    await ann.next('ack');
    ann.emit('leave', { room: 'kitchen' });
    await ann.next('ack');
    await ann.close();
    await expect.poll(() => lines.some((l) => l.msg === 'disconnected'), POLL).toBe(true);
    const events = lines.filter((l) => ['connected', 'joined', 'left', 'disconnected'].includes(l.msg));
    expect(events.map((l) => [l.level, l.msg, l.room ?? l.rooms?.join() ?? l.code])).toEqual([
      [DEBUG, 'connected', 'lobby'],
      [DEBUG, 'joined', 'kitchen'],
      [DEBUG, 'left', 'kitchen'],
      [DEBUG, 'disconnected', 1005],
    ]);
    expect(lines.filter((l) => l.level >= INFO && l.msg === 'closed by the server')).toEqual([]);
  }, 20_000);

  it('logs a connection the server cuts off (flood) at info, with the reason', async () => {
    const { server, lines } = await loggedServer('info', { RATE_LIMIT_PER_SEC: 1, RATE_LIMIT_BURST: 1 });
    const flooder = await TestClient.join(server.ws, 'flooder');
    for (let i = 0; i < 5; i++) flooder.emit('send', { room: 'lobby', text: `spam ${i}` });
    expect((await flooder.waitClosed()).code).toBe(4002);
    await expect.poll(() => lines.filter((l) => l.msg === 'closed by the server').length, POLL).toBe(1);
    const cut = lines.find((l) => l.msg === 'closed by the server');
    expect(cut).toMatchObject({ level: INFO, reason: 'flood', name: 'flooder', code: 4002 });
    // Nothing about ordinary connection life made it to info.
    expect(lines.filter((l) => ['connected', 'joined', 'left', 'disconnected'].includes(l.msg))).toEqual([]);
  }, 20_000);
});

describe('loggerOptions', () => {
  it('is pretty on a terminal and JSON otherwise, unless LOG_FORMAT says', () => {
    const tty = { isTTY: true };
    const pipe = { isTTY: false };
    const pretty = (o: unknown) => typeof o === 'object' && o !== null && 'stream' in o;
    expect(pretty(loggerOptions({ LOG_LEVEL: 'info', LOG_FORMAT: 'auto' }, tty))).toBe(true);
    expect(loggerOptions({ LOG_LEVEL: 'info', LOG_FORMAT: 'auto' }, pipe)).toEqual({ level: 'info' });
    expect(loggerOptions({ LOG_LEVEL: 'warn', LOG_FORMAT: 'json' }, tty)).toEqual({ level: 'warn' });
    expect(pretty(loggerOptions({ LOG_LEVEL: 'info', LOG_FORMAT: 'pretty' }, pipe))).toBe(true);
  });
});

describe('debugOnlyLogLevel', () => {
  it('hides info request lines unless the log is at debug or finer, and never hides warnings', () => {
    expect(debugOnlyLogLevel({ level: 'trace' })).toBe('trace');
    expect(debugOnlyLogLevel({ level: 'debug' })).toBe('debug');
    expect(debugOnlyLogLevel({ level: 'info' })).toBe('warn');
    expect(debugOnlyLogLevel({ level: 'warn' })).toBe('warn');
    expect(debugOnlyLogLevel({ level: 'error' })).toBe('error');
    expect(debugOnlyLogLevel({ level: 'silent' })).toBe('silent');
  });
});
