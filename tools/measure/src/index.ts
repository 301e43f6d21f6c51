export { reportPath, stamp } from './artifacts.js';
export { execArgvFor, isSource, workerEntry } from './entry.js';
export {
  createLatencyHistogram,
  encodeHistogram,
  type Histogram,
  type LatencySummary,
  mergeHistograms,
  recordMs,
  summarizeLatency,
} from './histogram.js';
export { describeMachine, type Machine } from './machine.js';
export { combineLoads, type DriverLoad, judgeLoad, SATURATED_ELU, WorkerPool } from './pool.js';
export {
  type CpuTicks,
  type MachineTicks,
  machineMicros,
  parseMachineStat,
  parseStat,
  parseStatmResident,
  parseStatusKb,
  processCpuMicros,
  processPeakRssBytes,
  processRssBytes,
  processTree,
  systemConstants,
} from './proc.js';
export { type Progress, silentProgress, stderrProgress } from './progress.js';
export { median, nowMs, range, sleep } from './stats.js';
export { niceTicks } from './ticks.js';
export type { LoopSample } from './worker-protocol.js';
export { serveCommands } from './worker-side.js';
