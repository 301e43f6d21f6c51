// The "other clients" promise: examples/python/chat.py, built on the JSON Schema alone, chats with
// a real server and refuses any frame the schema rejects.
import { spawn, spawnSync } from 'node:child_process';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { decodeServerFrame, type ServerFrame } from '@roomcast/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket, WebSocketServer } from 'ws';
import { ROOT, type Server, startServer } from './support.js';

const SCRIPT = join(ROOT, 'examples/python/chat.py');
const NEEDS =
  'python3 with websockets and jsonschema (apt-get install -y python3-websockets python3-jsonschema python3-regex)';

/** The first python that has both modules: $PYTHON, Debian's (a pyenv one may come first on PATH), then PATH's. */
function findPython(): string | undefined {
  const candidates = [process.env.PYTHON, '/usr/bin/python3', 'python3'].filter((c): c is string => Boolean(c));
  return candidates.find((c) => spawnSync(c, ['-c', 'import websockets, jsonschema, regex']).status === 0);
}

const python = findPython();
// CI installs both Debian packages (.ci/run), so there a missing module is a failure, not a skip.
if (!python && !process.env.CI) console.warn(`skipping the Python client test: no ${NEEDS}`);

interface Exit {
  code: number | null;
  stdout: string;
  stderr: string;
}

function runPython(args: string[]): Promise<Exit> {
  return new Promise((resolve, reject) => {
    const child = spawn(python ?? 'python3', [SCRIPT, ...args, '--timeout', '15'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
    });
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), 45_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

describe.skipIf(!python && !process.env.CI)(`the Python example client (needs ${NEEDS})`, () => {
  it('finds a python with both modules', () => {
    expect(python, `no ${NEEDS}`).toBeDefined();
  });

  describe('against a real server', () => {
    let server: Server;
    beforeAll(async () => {
      server = await startServer();
    });
    afterAll(async () => {
      await server?.close();
    });

    it('joins, sends, gets its own message then the ack, exits 0; others see it chat', async () => {
      const observer = new WebSocket(`${server.ws}?name=observer&room=general`);
      const frames: ServerFrame[] = [];
      observer.on('message', (raw) => {
        const decoded = decodeServerFrame(raw.toString());
        if (!decoded.ok) throw new Error(`invalid frame ${raw.toString()}`);
        frames.push(decoded.frame);
      });
      await expect.poll(() => frames.map((f) => f.event)).toEqual(['welcome']);

      const exit = await runPython(['--url', server.ws, '--name', 'py', '--room', 'general', '--text', 'hi from py']);
      expect(exit.stderr).toBe('');
      expect(exit.code).toBe(0);
      const lines = exit.stdout.trim().split('\n');
      expect(lines).toHaveLength(5);
      expect(lines[0]).toMatch(/^connected as py \([\w-]+\), protocol 1$/);
      expect(lines.slice(1)).toEqual([
        'joined general: observer, py',
        '[general #1] py: hi from py',
        'acknowledged: general #1',
        // welcome, the join's ack, its own message, the send's ack.
        'all 4 frames received matched Roomcast wire protocol v1',
      ]);

      // The observer saw it arrive, speak (with its clientMsgId) and leave when the script closed.
      await expect.poll(() => frames.map((f) => f.event)).toEqual(['welcome', 'user:joined', 'message', 'user:left']);
      const message = frames[2];
      if (message?.event !== 'message') throw new Error('no message');
      expect(message.data).toMatchObject({ room: 'general', seq: 1, text: 'hi from py', from: { name: 'py' } });
      expect(message.data.clientMsgId).toMatch(/^py-[0-9a-f]{12}$/);
      observer.close();
    });
  });

  describe('against a server that breaks the protocol', () => {
    let fake: WebSocketServer;
    let url: string;
    // What the fake sends: a scripted reply to each frame, after a valid or invalid welcome.
    let welcome: unknown;
    let afterJoin: (id: number) => unknown[];

    beforeAll(async () => {
      fake = new WebSocketServer({ host: '127.0.0.1', port: 0 });
      await new Promise((resolve) => fake.once('listening', resolve));
      url = `ws://127.0.0.1:${(fake.address() as AddressInfo).port}/ws`;
      fake.on('connection', (socket) => {
        socket.send(JSON.stringify(welcome));
        socket.on('message', (raw) => {
          const frame = JSON.parse(raw.toString()) as { event: string; id: number };
          if (frame.event === 'join') for (const reply of afterJoin(frame.id)) socket.send(JSON.stringify(reply));
        });
      });
    });
    afterAll(async () => {
      for (const client of fake.clients) client.terminate();
      await new Promise((resolve) => fake.close(resolve));
    });

    const user = { id: 'u1', name: 'py' };
    const goodWelcome = {
      event: 'welcome',
      data: { clientId: 'u1', name: 'py', rooms: ['lobby'], members: { lobby: [user] }, protocol: 1 },
    };
    const joinAck = (id: number) => ({ event: 'ack', data: { id, result: { room: 'general', members: [user] } } });

    it('exits 1 on a welcome the schema rejects, naming where', async () => {
      welcome = { ...goodWelcome, data: { ...goodWelcome.data, protocol: 2 } };
      afterJoin = (id) => [joinAck(id)];
      const exit = await runPython(['--url', url, '--room', 'general']);
      expect(exit.code).toBe(1);
      expect(exit.stdout).toBe('');
      expect(exit.stderr.trim()).toMatch(
        /^protocol violation: received welcome does not match the schema at data\/protocol: /,
      );
    });

    it('checks every frame, not just the first: a bad user:joined later on also ends the run', async () => {
      welcome = goodWelcome;
      afterJoin = (id) => [
        joinAck(id),
        { event: 'user:joined', data: { room: 'general', user: { id: 'u2', name: 'eve' }, admin: true } },
      ];
      const exit = await runPython(['--url', url, '--room', 'general']);
      expect(exit.code).toBe(1);
      expect(exit.stdout.trim().split('\n')).toEqual(['connected as py (u1), protocol 1', 'joined general: py']);
      expect(exit.stderr.trim()).toMatch(
        /^protocol violation: received user:joined does not match the schema at data: /,
      );
    });
  });
});
