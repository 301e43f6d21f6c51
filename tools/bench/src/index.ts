export type { ClientPlan } from './driver/messages.js';
export { DriverPool } from './driver/pool.js';
export {
  socketIoWire,
  v1Wire,
  WIRES,
  type Wire,
  type WireClient,
  type WireEvents,
  type WireName,
} from './driver/wires.js';
export { describeMachine, type Machine } from './machine.js';
export {
  createLatencyHistogram,
  encodeHistogram,
  type LatencySummary,
  mergeHistograms,
  summarizeLatency,
} from './measure/histogram.js';
export {
  clockTicksPerSecond,
  machineBusyMicros,
  parseMachineStat,
  parseStat,
  parseVmRss,
  processCpuMicros,
  processRssBytes,
} from './measure/proc.js';
export { median, range } from './measure/stats.js';
export { type BenchOptions, checkOptions, DEFAULT_OPTIONS, LIMITS } from './options.js';
export { MAX_ROOMS_PER_CONNECTION, type PeerOptions, type RunningPeer, readHandshake } from './peers/handshake.js';
export type { SocketIoClientEvents, SocketIoReply, SocketIoServerEvents } from './peers/socket-io-events.js';
export { startSocketIoPeer } from './peers/socket-io-peer.js';
export { startWsPeer } from './peers/ws-peer.js';
export { type Progress, silentProgress, stderrProgress } from './progress.js';
export { formatMarkdown, formatText, writeResultsSection } from './report.js';
export { formatHtml, writeHtml } from './report-html.js';
export { type BenchReport, type RoundResult, runBench, type TargetSummary } from './runner.js';
export { type FanoutResult, fanoutPlan } from './scenarios/fanout.js';
export type { IdleResult } from './scenarios/idle.js';
export { killAllServers, type ServerProcess, startServer } from './server-process.js';
export { TARGETS, type Target, type TargetName } from './targets.js';
