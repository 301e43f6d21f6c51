import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';

/** One registry per app instance, so several apps in one process (tests, multi-node) never collide. */
export function createMetrics(options: { defaultMetrics?: boolean } = {}) {
  const registry = new Registry();
  if (options.defaultMetrics) collectDefaultMetrics({ register: registry });
  const registers = [registry];
  return {
    registry,
    connections: new Gauge({ name: 'roomcast_connections', help: 'Open WebSocket connections', registers }),
    rooms: new Gauge({ name: 'roomcast_rooms', help: 'Rooms with at least one local member', registers }),
    framesIn: new Counter({
      name: 'roomcast_frames_received_total',
      help: 'Client frames accepted, by event',
      labelNames: ['event'] as const,
      registers,
    }),
    framesOut: new Counter({ name: 'roomcast_frames_sent_total', help: 'Frames written to sockets', registers }),
    framesReframed: new Counter({
      name: 'roomcast_frames_reframed_total',
      help: "Broadcast frames framed again for one socket (permessage-deflate) instead of sharing the broadcast's frame",
      registers,
    }),
    messages: new Counter({
      name: 'roomcast_messages_published_total',
      help: 'Chat messages sequenced on this node, by source',
      labelNames: ['source'] as const,
      registers,
    }),
    errors: new Counter({
      name: 'roomcast_errors_total',
      help: 'error frames sent to clients, by code',
      labelNames: ['code'] as const,
      registers,
    }),
    dropped: new Counter({
      name: 'roomcast_frames_dropped_total',
      help: 'Frames not delivered, by reason (rate_limited inbound; closed/slow_consumer outbound)',
      labelNames: ['reason'] as const,
      registers,
    }),
    disconnects: new Counter({
      name: 'roomcast_disconnects_total',
      help: "Closed connections: the server's reason (a CLOSE_CODES name), a protocol failure ws detected (a CLOSE_CODES name too), the peer's standard close code, or other",
      labelNames: ['reason'] as const,
      registers,
    }),
    handshakesRefused: new Counter({
      name: 'roomcast_handshakes_refused_total',
      help: 'Connections refused before the upgrade, by reason (origin, token, per_ip, path, handshake_timeout)',
      labelNames: ['reason'] as const,
      registers,
    }),
    fanout: new Histogram({
      name: 'roomcast_fanout_recipients',
      help: 'Local recipients per room broadcast',
      buckets: [1, 2, 5, 10, 50, 100, 500, 1000, 5000],
      registers,
    }),
  };
}

export type Metrics = ReturnType<typeof createMetrics>;
