import { randomBytes } from 'node:crypto';
import { connect, type Socket } from 'node:net';

export interface RawResponse {
  status: number;
  head: string;
  /** Resolves when the server closed the socket. */
  closed: Promise<void>;
  socket: Socket;
}

/** Opens a TCP socket to an http:// address; `closed` resolves when the server ends it. */
export function rawSocket(http: string): { socket: Socket; closed: Promise<void>; opened: Promise<void> } {
  const { hostname, port } = new URL(http);
  const socket = connect(Number(port), hostname);
  socket.on('error', () => {});
  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  const opened = new Promise<void>((resolve) => socket.once('connect', () => resolve()));
  return { socket, closed, opened };
}

/** Sends a WebSocket upgrade request byte by byte as written, and reads the status line of the answer. */
export async function rawUpgrade(
  http: string,
  path: string,
  headers: Record<string, string> = {},
  extra = '',
): Promise<RawResponse> {
  const { host } = new URL(http);
  const { socket, closed } = rawSocket(http);
  const lines = [
    `GET ${path} HTTP/1.1`,
    `Host: ${host}`,
    'Upgrade: websocket',
    'Connection: Upgrade',
    `Sec-WebSocket-Key: ${randomBytes(16).toString('base64')}`,
    'Sec-WebSocket-Version: 13',
    ...Object.entries(headers).map(([k, v]) => `${k}: ${v}`),
  ];
  socket.write(`${lines.join('\r\n')}\r\n\r\n${extra}`);
  let head = '';
  await new Promise<void>((resolve) => {
    const onData = (chunk: Buffer) => {
      head += chunk.toString('latin1');
      if (head.includes('\r\n\r\n')) done();
    };
    const done = () => {
      socket.off('data', onData);
      resolve();
    };
    socket.on('data', onData);
    closed.then(done);
  });
  const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(head)?.[1] ?? 0);
  return { status, head, closed, socket };
}
