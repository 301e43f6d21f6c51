import type { AddressInfo } from 'node:net';
import { buildApp } from '../app.js';
import type { Config } from '../config.js';

export interface TestServer {
  app: Awaited<ReturnType<typeof buildApp>>;
  port: number;
  url: string;
  http: string;
}

/** A real Roomcast server for the SDK tests on a free port (restarts go through a TcpRelay). */
export async function startServer(config: Partial<Config> = {}): Promise<TestServer> {
  const app = await buildApp({
    config: { HEARTBEAT_MS: 0, PRESENCE_GRACE_MS: 0, ...config },
    logger: false,
    closeGraceMs: 200,
  });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const bound = (app.server.address() as AddressInfo).port;
  return { app, port: bound, url: `ws://127.0.0.1:${bound}/ws`, http: `http://127.0.0.1:${bound}` };
}

/** Member names of a room, as the server's HTTP API reports them. */
export async function memberNames(server: TestServer, room: string): Promise<string[]> {
  const res = await fetch(`${server.http}/rooms/${room}/members`);
  const body = (await res.json()) as { members: { name: string }[] };
  return body.members.map((m) => m.name).sort();
}
