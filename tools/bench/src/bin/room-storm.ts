/**
 * Issue 9, large rooms: N clients join ONE room at once against a built server; reports the
 * frames the server sent (its own counter), the seconds until every client was welcomed and
 * until presence settled (no frame anywhere for --quiet-ms), and the server's peak RSS.
 *
 *   node --import tsx tools/bench/src/bin/room-storm.ts --clients 5000 [--diff] [--server path/to/main.js]
 *     [--env KEY=VALUE ...] [--concurrency 200] [--quiet-ms 1000] [--max-s 180]
 *
 * Bounded by --max-s: a run that has not settled by then reports what it had ("settled": null).
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { parseArgs } from 'node:util';
import WebSocket from 'ws';

const { values } = parseArgs({
  options: {
    clients: { type: 'string', default: '5000' },
    diff: { type: 'boolean', default: false },
    server: { type: 'string', default: 'apps/server/dist/main.js' },
    env: { type: 'string', multiple: true, default: [] },
    concurrency: { type: 'string', default: '200' },
    'quiet-ms': { type: 'string', default: '1000' },
    'max-s': { type: 'string', default: '180' },
  },
});
const clients = Number(values.clients);
const concurrency = Number(values.concurrency);
const quietMs = Number(values['quiet-ms']);
const deadline = Date.now() + Number(values['max-s']) * 1000;

const freePort = () =>
  new Promise<number>((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });

const port = await freePort();
const env: Record<string, string> = {
  ...process.env,
  PORT: String(port),
  LOG_LEVEL: 'warn',
  HEARTBEAT_MS: '0',
  PRESENCE_GRACE_MS: '0',
  MAX_CONNECTIONS: String(clients + 100),
  MAX_CONNECTIONS_PER_IP: String(clients + 100),
  ...Object.fromEntries(values.env.map((kv) => kv.split(/=(.*)/s).slice(0, 2) as [string, string])),
};
const server = spawn(process.execPath, [values.server], { env, stdio: ['ignore', 'ignore', 'inherit'] });
const base = `http://127.0.0.1:${port}`;
for (;;) {
  if (Date.now() > deadline) throw new Error('server did not start');
  try {
    if ((await fetch(`${base}/readyz`)).ok) break;
  } catch {
    // not listening yet
  }
  await new Promise((r) => setTimeout(r, 100));
}

const framesSent = async () => {
  const text = await (await fetch(`${base}/metrics`)).text();
  return Number(/^roomcast_frames_sent_total (\S+)$/m.exec(text)?.[1] ?? Number.NaN);
};
const status = (field: string) =>
  Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync(`/proc/${server.pid}/status`, 'utf8'))?.[1]) *
  1024;

const before = await framesSent();
const rssBefore = status('VmRSS');
const sockets: WebSocket[] = [];
let received = 0;
let bytes = 0;
let welcomed = 0;
let failed = 0;
let lastFrameAt = Date.now();
const t0 = Date.now();
let allWelcomedAt = 0;

const query = values.diff ? '&presence=diff' : '';
async function one(i: number): Promise<void> {
  await new Promise<void>((resolve) => {
    const ws = new WebSocket(`ws://127.0.0.1:${port}/ws?name=s${i}&room=storm${query}`, { perMessageDeflate: false });
    sockets.push(ws);
    let first = true;
    ws.on('message', (data: Buffer) => {
      received++;
      bytes += data.length;
      lastFrameAt = Date.now();
      if (!first) return;
      first = false;
      welcomed++;
      if (welcomed === clients) allWelcomedAt = Date.now();
      resolve();
    });
    ws.on('error', () => {
      failed++;
      resolve();
    });
    ws.on('close', () => resolve());
  });
}

let nextClient = 0;
await Promise.all(
  Array.from({ length: Math.min(concurrency, clients) }, async () => {
    while (nextClient < clients && Date.now() < deadline) await one(nextClient++);
  }),
);
while (Date.now() - lastFrameAt < quietMs && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
const settled = Date.now() - lastFrameAt >= quietMs ? (lastFrameAt - t0) / 1000 : null;
const sent = (await framesSent()) - before;
const peak = status('VmHWM');
const closedEarly = sockets.filter((s) => s.readyState !== WebSocket.OPEN).length;
for (const s of sockets) s.terminate();
server.kill('SIGTERM');

console.log(
  JSON.stringify({
    clients,
    diff: values.diff,
    env: values.env,
    welcomed,
    failed,
    closedEarly,
    framesSentByServer: sent,
    framesReceived: received,
    bytesReceived: bytes,
    secondsToAllWelcomed: allWelcomedAt ? (allWelcomedAt - t0) / 1000 : null,
    secondsToSettled: settled,
    rssBeforeMiB: +(rssBefore / 2 ** 20).toFixed(1),
    peakRssMiB: +(peak / 2 ** 20).toFixed(1),
  }),
);
