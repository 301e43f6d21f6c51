import type { PeerOptions, RunningPeer } from '../peers/handshake.js';

/** Runs a peer as its own process: PORT and HOST from the environment, its port on stdout, stops on a signal. */
export async function servePeer(label: string, start: (options: PeerOptions) => Promise<RunningPeer>): Promise<void> {
  const host = process.env.HOST || '127.0.0.1';
  const port = Number(process.env.PORT || 0);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    process.stderr.write(`${label}: PORT must be an integer 0..65535, got ${process.env.PORT}\n`);
    process.exit(2);
  }
  const peer = await start({ port, host });
  process.stdout.write(`${label} listening on port ${peer.port} (ws://${host}:${peer.port})\n`);
  const stop = () => {
    peer.close().then(() => process.exit(0));
    setTimeout(() => process.exit(0), 2000).unref();
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}
