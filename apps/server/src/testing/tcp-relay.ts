import { connect, createServer, type Server, type Socket } from 'node:net';

/**
 * A TCP relay that keeps one port while the servers behind it stop and start: a client sees
 * "the same server restarting on its port" without the test giving that port up, so no other
 * test binding port 0 can take it in between. With no server behind it, connections are reset,
 * as a closed port refuses them.
 */
export class TcpRelay {
  private target: number | undefined;
  private readonly sockets = new Set<Socket>();

  private constructor(
    private readonly server: Server,
    readonly port: number,
  ) {
    server.on('connection', (client) => this.relay(client));
  }

  static async start(): Promise<TcpRelay> {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return new TcpRelay(server, (server.address() as { port: number }).port);
  }

  get url(): string {
    return `ws://127.0.0.1:${this.port}/ws`;
  }

  /** Relays new connections to `port` from now on; undefined refuses them. */
  point(port: number | undefined): void {
    this.target = port;
  }

  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise((resolve) => this.server.close(resolve));
  }

  private relay(client: Socket): void {
    if (this.target === undefined) {
      client.resetAndDestroy();
      return;
    }
    const upstream = connect(this.target, '127.0.0.1');
    for (const [a, b] of [
      [client, upstream],
      [upstream, client],
    ] as const) {
      this.sockets.add(a);
      a.pipe(b);
      a.on('error', () => b.destroy());
      a.on('close', () => {
        this.sockets.delete(a);
        b.destroy();
      });
    }
  }
}
