export {
  createLatencyHistogram,
  encodeHistogram,
  type LatencySummary,
  mergeHistograms,
  summarizeLatency,
} from './measure/histogram.js';
export { clockTicksPerSecond, parseStat, parseVmRss, processCpuMicros, processRssBytes } from './measure/proc.js';
export { median, range } from './measure/stats.js';
export { MAX_ROOMS_PER_CONNECTION, type PeerOptions, type RunningPeer, readHandshake } from './peers/handshake.js';
export type { SocketIoClientEvents, SocketIoReply, SocketIoServerEvents } from './peers/socket-io-events.js';
export { startSocketIoPeer } from './peers/socket-io-peer.js';
export { startWsPeer } from './peers/ws-peer.js';
