import type { Connection } from './connection.js';
import type { Hub } from './hub.js';

/**
 * Heartbeat: every `intervalMs` each connection is pinged; one that has not answered the previous
 * ping by the next tick is dead. It is told so with 4003 and cut off at once, without waiting
 * for a close handshake it will not finish: a dead peer is gone within two intervals.
 */
export function startLiveness(hub: Hub, intervalMs: number): () => void {
  if (intervalMs <= 0) return () => {};
  const watched = new WeakSet<Connection>();
  const unanswered = new WeakSet<Connection>();
  const timer = setInterval(() => {
    for (const conn of hub.connections.values()) {
      if (unanswered.has(conn)) {
        conn.close('heartbeat_timeout', undefined, 0);
        continue;
      }
      if (!watched.has(conn)) {
        watched.add(conn);
        conn.socket.on('pong', () => unanswered.delete(conn));
      }
      unanswered.add(conn);
      conn.socket.ping();
    }
  }, intervalMs).unref();
  return () => clearInterval(timer);
}
