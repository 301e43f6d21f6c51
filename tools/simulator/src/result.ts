import type { LatencySummary } from '@roomcast/measure';
import type { ScenarioName, SimOptions } from './options.js';
import type { Rule } from './verify/violations.js';

export interface Check {
  rule: Rule;
  description: string;
  ok: boolean;
  violations: number;
  examples: string[];
}

export interface CapacityStep {
  clients: number;
  connected: number;
  deliveries: number;
  deliveriesPerSec: number;
  p50: number | null;
  p95: number | null;
  p99: number | null;
  underLimit: boolean;
  /** This step's latency by percentile, for the plot. */
  curve: { percentile: number; ms: number }[];
}

/** drops: how the cut connections came back. */
export interface DropsFigures {
  /** Connections cut by the proxy (a killed node's included). */
  cuts: number;
  /** Connections the clients saw drop, and of those, welcomed back with their token accepted. */
  drops: number;
  resumed: number;
  /** Connection attempts that failed while resuming (a dead node, a refusal). */
  failedAttempts: number;
  /** Longest time from a drop to the welcome back, ms. */
  maxGapMs: number;
  /** Messages members should have had since they joined, and how many arrived (each once, in order). */
  expected: number;
  received: number;
  /** received / expected, in percent: the bar is 100. */
  deliveryRatio: number;
  /** Whether the node behind the first URL was killed mid-run. */
  nodeKilled: boolean;
}

export interface HttpFigures {
  requests: number;
  requestsPerSec: number;
  non2xx: number;
  errors: number;
  timeouts: number;
  latency: { p50: number; p90: number; p99: number; max: number };
}

/** Everything a run found; `--json` prints exactly this. */
export interface RunResult {
  scenario: ScenarioName;
  /** Every check held and every part of the run was checked. */
  ok: boolean;
  /** False when part of the run could not be checked (the frame log hit its limit). */
  fullyVerified: boolean;
  seed: number;
  startedAt: string;
  durationMs: number;
  /** `url` is the first node; `urls` all of them. */
  target: { url: string; urls: string[]; selfStarted: boolean; serverEnv?: Record<string, string> };
  options: SimOptions;
  connections: { attempted: number; opened: number; failed: number; connectMs: LatencySummary | null };
  traffic: {
    sent: number;
    acked: number;
    delivered: number;
    presence: number;
    deliveriesPerSec: number;
    errors: Record<string, number>;
  };
  /** Sender's timestamp to each receipt, every receipt, all workers merged. */
  latency: LatencySummary | null;
  /** The four headline counts the issue names, plus presence. */
  summary: {
    missing: number;
    duplicated: number;
    misrouted: number;
    outOfOrder: number;
    presence: number;
    replies: number;
  };
  checks: Check[];
  generator: {
    workers: number;
    cpuPercent: number;
    eluMean: number;
    eluMax: number;
    /** Longest event-loop delay a worker saw while measuring, ms. */
    lagMaxMs: number;
    saturated: boolean;
  };
  server?: { cpuMs: number; cpuUsPerDelivery: number | null; rssMb: number };
  http?: HttpFigures;
  capacity?: { limitMs: number; maxClients: number; steps: CapacityStep[] };
  drops?: DropsFigures;
  warnings: string[];
  notes: string[];
}
