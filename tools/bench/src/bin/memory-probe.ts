// Where does memory per idle connection go? Runs each server kind in its own process
// (--expose-gc), holds N sockets that each received K frames, and reports the growth of
// RSS and JS heap per connection. Backs the idle-memory notes in BENCHMARKS.md.
//   node tools/bench/dist/bin/memory-probe.js [connections] [framesPerSocket]
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import websocket from '@fastify/websocket';
import { buildApp } from '@roomcast/server';
import Fastify from 'fastify';
import { WebSocket, WebSocketServer } from 'ws';

type Kind = 'ws' | 'fastify' | 'roomcast';
const FRAME = JSON.stringify({ event: 'user:joined', data: { room: 'r1', user: { id: 'abcdefabcdef', name: 'u1' } } });

/** Child: serve on a free port; send each new socket `frames` frames (Roomcast sends its own). */
async function serve(kind: Kind, frames: number): Promise<number> {
  const greet = (socket: WebSocket) => {
    for (let i = 0; i < frames; i++) socket.send(FRAME);
  };
  if (kind === 'ws') {
    const wss = new WebSocketServer({ port: 0, host: '127.0.0.1' });
    wss.on('connection', greet);
    await new Promise((resolve) => wss.once('listening', resolve));
    return (wss.address() as { port: number }).port;
  }
  const app =
    kind === 'roomcast'
      ? await buildApp({
          logger: false,
          config: { MAX_CONNECTIONS: 1_000_000, MAX_CONNECTIONS_PER_IP: 1_000_000, HEARTBEAT_MS: 0 },
        })
      : Fastify({ logger: false });
  if (kind === 'fastify') {
    await app.register(websocket);
    app.get('/ws', { websocket: true }, greet);
  }
  await app.listen({ port: 0, host: '127.0.0.1' });
  return (app.server.address() as { port: number }).port;
}

async function measure(kind: Kind, connections: number, frames: number) {
  const child = fork(fileURLToPath(import.meta.url), ['--child', kind, String(frames)], { execArgv: ['--expose-gc'] });
  const port = await new Promise<number>((resolve) => child.once('message', (m) => resolve(m as number)));
  const memory = () =>
    new Promise<NodeJS.MemoryUsage>((resolve) => {
      child.once('message', (m) => resolve(m as NodeJS.MemoryUsage));
      child.send('memory');
    });
  // Ten sockets per room, as in the bench's idle scenario: each gets a welcome and up to nine joins.
  const open = (i: number) =>
    new Promise<WebSocket>((resolve, reject) => {
      const s = new WebSocket(`ws://127.0.0.1:${port}/ws?name=u${i}&room=r${Math.floor(i / 10)}`);
      s.once('open', () => resolve(s));
      s.once('error', reject);
    });
  for (const s of await Promise.all(Array.from({ length: 50 }, (_, i) => open(i)))) s.close();
  await new Promise((r) => setTimeout(r, 500));
  const before = await memory();
  const sockets: WebSocket[] = [];
  for (let i = 0; i < connections; i++) sockets.push(await open(i));
  await new Promise((r) => setTimeout(r, 1000));
  const after = await memory();
  for (const s of sockets) s.terminate();
  child.kill();
  const per = (key: 'rss' | 'heapUsed') => ((after[key] - before[key]) / connections / 1024).toFixed(1);
  return { kind, frames: kind === 'roomcast' ? 'its own' : String(frames), rss: per('rss'), heapUsed: per('heapUsed') };
}

if (process.argv[2] === '--child') {
  const port = await serve(process.argv[3] as Kind, Number(process.argv[4]));
  process.on('message', () => {
    (globalThis as { gc?: () => void }).gc?.();
    (globalThis as { gc?: () => void }).gc?.();
    process.send?.(process.memoryUsage());
  });
  process.send?.(port);
} else {
  const connections = Number(process.argv[2] ?? 2000);
  const frames = Number(process.argv[3] ?? 10);
  const rows = [];
  for (const [kind, k] of [
    ['ws', 0],
    ['ws', frames],
    ['fastify', 0],
    ['fastify', frames],
    ['roomcast', 0],
  ] as const) {
    rows.push(await measure(kind, connections, k));
  }
  console.log(`KiB per idle connection, ${connections} connections (after two forced GCs)`);
  console.table(rows);
}
