export type { ClientPlan, ReceiveMode } from './driver/messages.js';
export { type DriverPool, driverProgress, startDriver } from './driver/pool.js';
export {
  socketIoWire,
  v1Wire,
  WIRES,
  type Wire,
  type WireClient,
  type WireEvents,
  type WireName,
} from './driver/wires.js';
export {
  type BenchOptions,
  checkOptions,
  DEFAULT_OPTIONS,
  LIMITS,
  SCENARIO_NAMES,
  type ScenarioName,
} from './options.js';
export { MAX_ROOMS_PER_CONNECTION, type PeerOptions, type RunningPeer, readHandshake } from './peers/handshake.js';
export type { SocketIoClientEvents, SocketIoReply, SocketIoServerEvents } from './peers/socket-io-events.js';
export { startSocketIoPeer } from './peers/socket-io-peer.js';
export { startUwsPeer } from './peers/uws-peer.js';
export { startWsPeer } from './peers/ws-peer.js';
export { formatMarkdown, formatText, writeResultsSection } from './report.js';
export { formatHtml, writeHtml } from './report-html.js';
export { type BenchReport, type RoundResult, runBench, type TargetSummary } from './runner.js';
export type { CeilingResult, CeilingStep } from './scenarios/ceiling.js';
export { type FanoutResult, fanoutPlan } from './scenarios/fanout.js';
export type { IdleResult } from './scenarios/idle.js';
export type { StormResult } from './scenarios/storm.js';
export { killAllServers, type ServerProcess, startServer } from './server-process.js';
export { TARGETS, type Target, type TargetName } from './targets.js';
